/**
 * Checks an AWS Signature Version 4 request as AWS does: the `Authorization` header's credential
 * scope and signed headers, the payload hash, and the signature recomputed with the secret this
 * fake knows for the access key (with @smithy/signature-v4, the signer the AWS SDK itself uses).
 * ("Signature Version 4 signing process": create a canonical request, a string to sign, the signature.)
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import type { HttpRequest, SourceData } from '@smithy/types';

/** SHA-256, or HMAC-SHA256 keyed by `secret`, in the shape the signer takes. */
class Sha256 {
  readonly #hash;
  constructor(secret?: SourceData) {
    this.#hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.#hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.#hash.digest());
  }
}

function bytes(data: SourceData): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

export interface SignedScope {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/** The `Authorization` header's parts; null when it is not a SigV4 header. */
export function parseAuthorization(header: string | undefined): SignedScope | null {
  const match = header ? AUTHORIZATION.exec(header) : null;
  if (!match) return null;
  const [, accessKeyId, date, region, service, signedHeaders, signature] = match;
  return {
    accessKeyId: accessKeyId!,
    date: date!,
    region: region!,
    service: service!,
    signedHeaders: signedHeaders!.split(';'),
    signature: signature!,
  };
}

/** What the fake received, as the signer reads a request. */
export interface Received {
  method: string;
  host: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: string;
}

export type SignatureCheck = 'valid' | 'incomplete' | 'payload-mismatch' | 'mismatch';

/** Whether `received` is signed, as `scope` says, with `secretAccessKey`. */
export async function checkSignature(
  received: Received,
  scope: SignedScope,
  secretAccessKey: string,
): Promise<SignatureCheck> {
  const amzDate = received.headers['x-amz-date'];
  if (!amzDate || !scope.signedHeaders.includes('host') || !amzDate.startsWith(scope.date))
    return 'incomplete';
  const payloadHash = received.headers['x-amz-content-sha256'];
  const bodyHash = createHash('sha256').update(received.body).digest('hex');
  if (payloadHash !== undefined && payloadHash !== bodyHash) return 'payload-mismatch';
  const headers: Record<string, string> = {};
  for (const name of scope.signedHeaders) {
    const value = received.headers[name];
    if (value === undefined) return 'incomplete';
    headers[name] = value;
  }
  const [hostname, port] = received.host.split(':');
  const request: HttpRequest = {
    method: received.method,
    protocol: 'http:',
    hostname: hostname!,
    ...(port ? { port: Number(port) } : {}),
    path: received.path,
    query: received.query,
    headers,
    body: received.body,
  };
  const signer = new SignatureV4({
    credentials: { accessKeyId: scope.accessKeyId, secretAccessKey },
    region: scope.region,
    service: scope.service,
    sha256: Sha256,
    uriEscapePath: true,
    // The signed headers are all there is to sign: no payload hash header added that was not sent.
    applyChecksum: false,
  });
  const signingDate = new Date(
    amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
  );
  const signed = await signer.sign(request, { signingDate });
  const expected = parseAuthorization(signed.headers.authorization)?.signature ?? '';
  const a = Buffer.from(expected);
  const b = Buffer.from(scope.signature);
  return a.length === b.length && timingSafeEqual(a, b) ? 'valid' : 'mismatch';
}
