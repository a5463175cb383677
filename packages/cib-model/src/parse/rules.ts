/**
 * The part of Pacemaker 2.1.5's rule evaluation (`lib/pengine/rules.c`) that does not depend on a node or
 * on the clock: `rsc_expression` (resource agent), `op_expression` (operation name and interval) and
 * `and`/`or` combinations of them. Everything else (node attribute expressions, `date_expression`,
 * `date_spec`, `#role`) is *unknown* here: the caller reports that a rule was not evaluated instead of
 * guessing.
 */
import { elements, firstElement, type XmlElement } from './xml-tree.js';
import { tryParseDuration } from './duration.js';

/** What a rule is tested against. */
export interface RuleContext {
  /** The resource agent, for `rsc_expression`. Absent: such expressions are false, as in Pacemaker. */
  rsc?: { class?: string | undefined; provider?: string | undefined; type?: string | undefined };
  /** The operation, for `op_expression`. Absent: such expressions are false. */
  op?: { name: string; intervalMs: number };
}

/** Three-valued result. */
export type RuleResult = true | false | 'unknown';

function evalRsc(expr: XmlElement, ctx: RuleContext): boolean {
  const r = ctx.rsc;
  if (r === undefined) return false;
  const { class: cls, provider, type } = expr.attrs;
  if (cls !== undefined && cls !== r.class) return false;
  if ((provider ?? null) !== (r.provider ?? null)) return false;
  if (type !== undefined && type !== r.type) return false;
  return true;
}

function evalOp(expr: XmlElement, ctx: RuleContext): boolean {
  const o = ctx.op;
  if (o === undefined) return false;
  const intervalText = expr.attrs['interval'];
  if (intervalText !== undefined) {
    const interval = tryParseDuration(intervalText);
    if (interval === undefined || interval !== o.intervalMs) return false;
  }
  return expr.attrs['name'] === o.name;
}

function evalSubexpr(expr: XmlElement, ctx: RuleContext): RuleResult {
  switch (expr.name) {
    case 'rsc_expression': return evalRsc(expr, ctx);
    case 'op_expression': return evalOp(expr, ctx);
    case 'rule': return evaluateRule(expr, ctx);
    default: return 'unknown';
  }
}

/** Evaluates one `<rule>` (`pe_eval_expr`): `boolean-op` `and` (default) or `or` over its children. */
export function evaluateRule(rule: XmlElement, ctx: RuleContext): RuleResult {
  if (rule.attrs['id-ref'] !== undefined) return 'unknown';
  const isOr = (rule.attrs['boolean-op'] ?? '').toLowerCase() === 'or';
  let sawUnknown = false;
  for (const expr of elements(rule)) {
    const r = evalSubexpr(expr, ctx);
    if (r === 'unknown') { sawUnknown = true; continue; }
    if (isOr && r) return true;
    if (!isOr && !r) return false;
  }
  if (sawUnknown) return 'unknown';
  return !isOr;
}

/** `pe_eval_rules` on a block: true when it has no `<rule>`, else the first rule's result. */
export function evaluateBlockRules(block: XmlElement, ctx: RuleContext): RuleResult {
  let sawUnknown = false;
  let any = false;
  for (const rule of elements(block, 'rule')) {
    any = true;
    const r = evaluateRule(rule, ctx);
    if (r === true) return true;
    if (r === 'unknown') sawUnknown = true;
  }
  if (!any) return true;
  return sawUnknown ? 'unknown' : false;
}

/** True when `block` has a `<rule>` child. */
export function hasRule(block: XmlElement): boolean {
  return firstElement(block, 'rule') !== undefined;
}
