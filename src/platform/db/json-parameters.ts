import {
  type KyselyPlugin,
  OperationNodeTransformer,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type PrimitiveValueListNode,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  type ValueNode,
} from 'kysely';

function isJsonValue(value: unknown): boolean {
  if (Array.isArray(value)) return true;
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A parameter as the plugin sends it: plain objects and arrays as JSON text, the rest as they are. */
export const encodeJsonParameter = (value: unknown) => (isJsonValue(value) ? JSON.stringify(value) : value);

class JsonParameterTransformer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    return isJsonValue(node.value) ? { ...node, value: encodeJsonParameter(node.value) } : node;
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return node.values.some(isJsonValue) ? { ...node, values: node.values.map(encodeJsonParameter) } : node;
  }
}

/**
 * Sends plain objects and arrays as JSON text on both dialects (pg would otherwise turn an array
 * into a Postgres array literal, and better-sqlite3 refuses objects).
 */
export class JsonParametersPlugin implements KyselyPlugin {
  readonly #transformer = new JsonParameterTransformer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#transformer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}
