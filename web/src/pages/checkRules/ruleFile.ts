/**
 * Rule files as 21.09 wrote them (`{"check_items": [...]}`, what `adoctor checkrule --action get
 * --export` writes): reading one the user picked, writing the user's rules as one, and the rule
 * the form builds.
 */
import type { DataItem, Rule } from '@/api/checks'

/** What was wrong with a file before anything was sent: a message key and its values. */
export class RuleFileError extends Error {
  constructor(
    readonly key: 'notJson' | 'noCheckItems',
    readonly detail = '',
  ) {
    super(key)
  }
}

/**
 * The rules of a file's text, as sent to `/check/rule/import` (each item is judged by the
 * server, which lists every refused one with its reason). Only a text that is not a rule file at
 * all is refused here.
 */
export function readRuleFile(text: string): unknown[] {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (error) {
    throw new RuleFileError('notJson', error instanceof Error ? error.message : String(error))
  }
  const items = (parsed as { check_items?: unknown } | null)?.check_items
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray(items) || !items.length) {
    throw new RuleFileError('noCheckItems')
  }
  return items
}

/** The rules as a 21.09 rule file, in the fields and order the rule files have. */
export function writeRuleFile(rules: readonly Rule[]): string {
  const items = rules.map((rule) => ({
    check_item: rule.check_item,
    data_list: rule.data_list,
    condition: rule.condition,
    plugin: rule.plugin,
    description: rule.description,
  }))
  return JSON.stringify({ check_items: items }, null, 4) + '\n'
}

/** A data item as the form edits it: the label as `key=value` lines. */
export interface DataRow {
  name: string
  type: 'kpi' | 'log'
  label: string
}

/** `key=value` lines (or comma-separated) to a label; blank parts are skipped. */
export function parseLabel(text: string): Record<string, string> {
  const label: Record<string, string> = {}
  for (const part of text.split(/[\n,]/)) {
    const trimmed = part.trim()
    if (!trimmed) continue
    const at = trimmed.indexOf('=')
    const key = (at < 0 ? trimmed : trimmed.slice(0, at)).trim()
    const value = at < 0 ? '' : trimmed.slice(at + 1).trim()
    label[key] = value.replace(/^"(.*)"$/, '$1')
  }
  return label
}

export function formatLabel(label: Record<string, string> | undefined): string {
  return Object.entries(label ?? {})
    .map(([key, value]) => `${key}=${value}`)
    .join(', ')
}

export function buildRule(form: {
  check_item: string
  data_list: DataRow[]
  condition: string
  plugin: string
  description: string
}): Rule {
  const dataList: DataItem[] = form.data_list.map((row) =>
    row.type === 'log'
      ? { name: row.name.trim(), type: 'log' }
      : { name: row.name.trim(), type: 'kpi', label: parseLabel(row.label) },
  )
  return {
    check_item: form.check_item.trim(),
    data_list: dataList,
    condition: form.condition,
    plugin: form.plugin.trim(),
    description: form.description,
  }
}

/** The condition split at the parser's position, to show where it stopped. */
export function splitAt(condition: string, position: number): [string, string, string] {
  const at = Math.max(0, Math.min(position, condition.length))
  return [condition.slice(0, at), condition.slice(at, at + 1), condition.slice(at + 1)]
}
