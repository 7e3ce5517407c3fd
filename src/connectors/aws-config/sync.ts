/**
 * A sync, region after region: the rules with their compliance, each rule's evaluation results
 * (gathering each resource's compliance per rule), then the resources AWS Config records, each
 * with that compliance. Each entity resumes from its own cursor (cursor.ts); a resumed region reads
 * again, without storing them twice, the rules and evaluations its later steps need.
 */
import type { ResourceType } from '@aws-sdk/client-config-service';
import type { SyncBatch, SyncContext } from '../sdk.js';
import { cursorAt, type Position, positionIn, regionDone } from './cursor.js';
import type { AwsConfigConfig } from './definition.js';
import { operationFailure } from './errors.js';
import { ComplianceMap, evaluationPages } from './evaluations.js';
import { ResourceTally, RuleTally } from './evidence.js';
import { asData, evaluationId, type RuleRecord, resourceId, resourceRecord, ruleId } from './records.js';
import { discoveredTypes, resourcePages } from './resources.js';
import type { Wait } from './retry.js';
import { rulePages } from './rules.js';
import { type AwsSession, awsSession } from './session.js';

type Ctx = SyncContext<AwsConfigConfig>;
const SOURCE = 'aws_config_connector';

interface Region {
  name: string;
  regions: string[];
  last: boolean;
}

/** How much of a listing (by index of its steps) this attempt stores, given where the entity stands. */
type Take = 'all' | 'none' | { from: string };

function take(at: Position, index: number, resumeIndex: number): Take {
  if (at.kind === 'done') return 'none';
  if (at.kind === 'start' || resumeIndex < 0 || index > resumeIndex) return 'all';
  if (index < resumeIndex || at.kind !== 'resume' || at.next === null) return 'none';
  return { from: at.next };
}

async function* syncRules(
  ctx: Ctx,
  session: AwsSession,
  region: Region,
  at: Position,
  rules: RuleRecord[],
  tally: RuleTally | undefined,
): AsyncGenerator<SyncBatch> {
  // Rules are few (25 a page): read from the first page each time, the pages already stored skipped.
  const stored = at.kind === 'resume' ? Number(at.step ?? 0) : 0;
  let pages = 0;
  let finished = at.kind === 'done';
  for await (const page of rulePages(session, region.name)) {
    rules.push(...page.rules);
    pages += 1;
    if (at.kind === 'done' || pages <= stored) continue;
    tally?.add(page.rules);
    finished = page.last;
    if (page.last) {
      const nonCompliant = rules.filter((rule) => rule.compliance === 'NON_COMPLIANT').length;
      ctx.runLog.log(
        'info',
        `Synced ${rules.length} AWS Config rules in ${region.name} (${nonCompliant} non-compliant)`,
        {
          details: { region: region.name, rules: rules.length, non_compliant: nonCompliant },
          source: `${SOURCE}.config_rules`,
        },
      );
    }
    yield {
      entity: 'config_rules',
      records: page.rules.map((rule) => ({ id: ruleId(rule.region, rule.name), data: asData(rule) })),
      cursor: page.last
        ? regionDone(region.regions, region.name)
        : cursorAt(region.name, String(pages), null),
      evidence: page.last && region.last && tally ? [tally.evidence()] : [],
    };
  }
  // Resumed past its last page (rules were deleted meanwhile): the region is done all the same.
  if (!finished)
    yield { entity: 'config_rules', records: [], cursor: regionDone(region.regions, region.name) };
}

async function* syncEvaluations(
  ctx: Ctx,
  session: AwsSession,
  region: Region,
  at: Position,
  rules: string[],
  map: ComplianceMap | undefined,
): AsyncGenerator<SyncBatch> {
  const resumeAt = at.kind === 'resume' && at.step !== null ? rules.indexOf(at.step) : -1;
  let count = 0;
  let finished = at.kind === 'done';
  for (const [index, rule] of rules.entries()) {
    const stored = take(at, index, resumeAt);
    if (stored !== 'all' && map) {
      for await (const page of evaluationPages(session, region.name, rule)) map.add(page.evaluations);
    }
    if (stored === 'none') continue;
    const from = stored === 'all' ? null : stored.from;
    for await (const page of evaluationPages(session, region.name, rule, from)) {
      if (stored === 'all') map?.add(page.evaluations);
      count += page.evaluations.length;
      finished = page.next === null && index === rules.length - 1;
      yield {
        entity: 'evaluation_results',
        records: page.evaluations.map((e) => ({
          id: evaluationId(e.region, e.rule, e.resource_type, e.resource_id, e.evaluation_mode),
          data: asData(e),
        })),
        cursor: finished ? regionDone(region.regions, region.name) : cursorAt(region.name, rule, page.next),
      };
    }
  }
  if (at.kind !== 'done') {
    ctx.runLog.log('info', `Synced ${count} evaluation results in ${region.name}`, {
      details: { region: region.name, evaluation_results: count },
      source: `${SOURCE}.evaluation_results`,
    });
  }
  if (!finished)
    yield { entity: 'evaluation_results', records: [], cursor: regionDone(region.regions, region.name) };
}

async function* syncResources(
  ctx: Ctx,
  session: AwsSession,
  region: Region,
  at: Position,
  map: ComplianceMap,
  tally: ResourceTally | undefined,
): AsyncGenerator<SyncBatch> {
  const types: ResourceType[] = await discoveredTypes(session, region.name);
  const names: readonly string[] = types;
  const resumeAt = at.kind === 'resume' && at.step !== null ? names.indexOf(at.step) : -1;
  let count = 0;
  for (const [index, type] of types.entries()) {
    const stored = take(at, index, resumeAt);
    if (stored === 'none') continue;
    for await (const page of resourcePages(
      session,
      region.name,
      type,
      stored === 'all' ? null : stored.from,
    )) {
      const records = page.resources.map((resource) =>
        resourceRecord(region.name, resource, map.rulesOf(type, resource.resourceId ?? ''), true),
      );
      tally?.add(records);
      count += records.length;
      yield {
        entity: 'resources',
        records: records.map((r) => ({
          id: resourceId(r.region, r.resource_type, r.resource_id),
          data: asData(r),
        })),
        cursor: cursorAt(region.name, type, page.next),
      };
    }
  }
  // What rules evaluate but AWS Config does not record as a resource (rules on the account itself).
  const outside = map
    .outside(new Set(types))
    .map((entry) =>
      resourceRecord(region.name, { resourceType: entry.type, resourceId: entry.id }, entry.rules, false),
    );
  tally?.add(outside);
  count += outside.length;
  ctx.runLog.log('info', `Synced ${count} resources in ${region.name}`, {
    details: { region: region.name, resources: count, resource_types: types.length },
    source: `${SOURCE}.resources`,
  });
  yield {
    entity: 'resources',
    records: outside.map((r) => ({
      id: resourceId(r.region, r.resource_type, r.resource_id),
      data: asData(r),
    })),
    cursor: regionDone(region.regions, region.name),
    evidence: region.last && tally ? [tally.evidence()] : [],
  };
}

export async function* awsConfigSync(ctx: Ctx, wait: Wait): AsyncGenerator<SyncBatch> {
  ctx.signal.throwIfAborted();
  const session = awsSession(ctx, wait);
  const { regions } = session;
  const first = regions[0]!;
  // Evidence needs every region's records: only a listing that starts from the first one makes it.
  const ruleTally =
    positionIn(ctx, 'config_rules', regions, first).kind === 'start' ? new RuleTally() : undefined;
  const resourceTally =
    positionIn(ctx, 'resources', regions, first).kind === 'start' ? new ResourceTally() : undefined;
  let step = `Listing the AWS Config rules of ${first}`;
  try {
    for (const [index, name] of regions.entries()) {
      const region: Region = { name, regions, last: index === regions.length - 1 };
      const at = {
        rules: positionIn(ctx, 'config_rules', regions, name),
        evaluations: positionIn(ctx, 'evaluation_results', regions, name),
        resources: positionIn(ctx, 'resources', regions, name),
      };
      if (at.rules.kind === 'done' && at.evaluations.kind === 'done' && at.resources.kind === 'done')
        continue;
      step = `Listing the AWS Config rules of ${name}`;
      const rules: RuleRecord[] = [];
      yield* syncRules(ctx, session, region, at.rules, rules, ruleTally);
      if (at.evaluations.kind === 'done' && at.resources.kind === 'done') continue;
      step = `Listing the evaluation results of ${name}`;
      // The resources carry each rule's verdict on them: a region whose resources are still to be
      // stored needs all of its evaluations, stored already or not.
      const map = at.resources.kind === 'done' ? undefined : new ComplianceMap();
      const names = rules.map((rule) => rule.name);
      yield* syncEvaluations(ctx, session, region, at.evaluations, names, map);
      if (!map) continue;
      step = `Listing the resources of ${name}`;
      yield* syncResources(ctx, session, region, at.resources, map, resourceTally);
    }
  } catch (error) {
    throw operationFailure(error, step, ctx.signal);
  }
}
