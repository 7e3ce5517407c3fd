/**
 * Okta's filter and search expressions (developer.okta.com/docs/api/#filter): `property operator
 * "value"` terms joined by `and` / `or`, with parentheses. Operators eq, sw, co, gt, ge, lt, le, pr;
 * property names are case-sensitive, operators and string values are not. The `filter` parameter
 * of List Users accepts only status, lastUpdated, id and a few profile fields, and only `eq` except on
 * lastUpdated; `search` accepts more. An expression the fake cannot read is a 400, as Okta answers.
 */

export class InvalidExpressionError extends Error {}

type Predicate = (item: Record<string, unknown>) => boolean;

const DATE_PROPERTIES = new Set([
  'created',
  'activated',
  'statusChanged',
  'lastUpdated',
  'lastLogin',
  'passwordChanged',
]);

function valueAt(item: Record<string, unknown>, path: string): unknown {
  let value: unknown = item;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function compare(property: string, actual: unknown, expected: string): number | null {
  if (actual === null || actual === undefined) return null;
  if (DATE_PROPERTIES.has(property)) {
    const a = Date.parse(String(actual));
    const b = Date.parse(expected);
    if (Number.isNaN(b)) throw new InvalidExpressionError(`not a date: ${expected}`);
    return a - b;
  }
  const a = String(actual).toLowerCase();
  const b = expected.toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

function term(property: string, operator: string, expected: string | null): Predicate {
  const op = operator.toLowerCase();
  if (op === 'pr') return (item) => valueAt(item, property) != null;
  if (expected === null) throw new InvalidExpressionError(`${op} needs a value`);
  return (item) => {
    const actual = valueAt(item, property);
    if (op === 'sw')
      return typeof actual === 'string' && actual.toLowerCase().startsWith(expected.toLowerCase());
    if (op === 'co')
      return typeof actual === 'string' && actual.toLowerCase().includes(expected.toLowerCase());
    const order = compare(property, actual, expected);
    if (order === null) return false;
    switch (op) {
      case 'eq':
        return order === 0;
      case 'gt':
        return order > 0;
      case 'ge':
        return order >= 0;
      case 'lt':
        return order < 0;
      case 'le':
        return order <= 0;
      default:
        throw new InvalidExpressionError(`unknown operator ${operator}`);
    }
  };
}

const TOKEN = /\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+)/y;

function tokens(expression: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (expression.slice(at).trim() !== '') {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(expression);
    if (!match) throw new InvalidExpressionError('unreadable expression');
    out.push(match[1]!);
    at = TOKEN.lastIndex;
  }
  return out;
}

export interface ExpressionRules {
  /** Properties the parameter accepts (all when absent). */
  properties?: (property: string) => boolean;
  /** Operators a property accepts. */
  operators?: (property: string, operator: string) => boolean;
}

/** Parses an expression into a predicate over Okta objects. */
export function parseExpression(expression: string, rules: ExpressionRules = {}): Predicate {
  const list = tokens(expression);
  let at = 0;
  const peek = () => list[at]?.toLowerCase();
  const next = () => {
    const token = list[at++];
    if (token === undefined) throw new InvalidExpressionError('unexpected end of expression');
    return token;
  };
  const primary = (): Predicate => {
    if (peek() === '(') {
      next();
      const inner = or();
      if (next() !== ')') throw new InvalidExpressionError('missing )');
      return inner;
    }
    const property = next();
    const operator = next();
    if (rules.properties && !rules.properties(property))
      throw new InvalidExpressionError(`cannot filter on ${property}`);
    if (rules.operators && !rules.operators(property, operator.toLowerCase())) {
      throw new InvalidExpressionError(`cannot use ${operator} on ${property}`);
    }
    if (operator.toLowerCase() === 'pr') return term(property, operator, null);
    const raw = next();
    if (!raw.startsWith('"')) throw new InvalidExpressionError('values are quoted');
    return term(property, operator, JSON.parse(raw) as string);
  };
  const and = (): Predicate => {
    let left = primary();
    while (peek() === 'and') {
      next();
      const l = left;
      const r = primary();
      left = (item) => l(item) && r(item);
    }
    return left;
  };
  const or = (): Predicate => {
    let left = and();
    while (peek() === 'or') {
      next();
      const l = left;
      const r = and();
      left = (item) => l(item) || r(item);
    }
    return left;
  };
  const predicate = or();
  if (at !== list.length) throw new InvalidExpressionError('unexpected text after the expression');
  return predicate;
}

/** List Users' `filter`: a few properties, `eq` only except lastUpdated's inequalities. */
export const USER_FILTER: ExpressionRules = {
  properties: (p) =>
    [
      'status',
      'lastUpdated',
      'id',
      'profile.login',
      'profile.email',
      'profile.firstName',
      'profile.lastName',
    ].includes(p),
  operators: (p, op) => op === 'eq' || (p === 'lastUpdated' && ['gt', 'ge', 'lt', 'le'].includes(op)),
};
