/**
 * A template's content written as the 21.09 step file it came from (YAML), to view and to
 * export: it imports back as it is. A template holds only what JSON holds, so a small writer
 * does (no YAML library in the bundle): block mappings and lists, plain words where YAML reads
 * them back as the same text, double quotes (JSON's escapes are YAML's) everywhere else.
 */
import type { TemplateContent } from '@/api/deploy'

// Text a plain YAML scalar keeps as that text: a word, not a number, date or indicator.
const PLAIN = /^[A-Za-z_][A-Za-z0-9_.-]*$/
// Words YAML 1.1 (PyYAML, which reads the import) resolves as booleans or null.
const RESERVED = /^(y|yes|n|no|true|false|on|off|null)$/i
// Characters YAML does not allow raw in a stream, or takes as line breaks: escaped.
const UNPRINTABLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufffe\uffff]/g

function text(value: string): string {
  if (PLAIN.test(value) && !RESERVED.test(value)) return value
  return JSON.stringify(value).replace(
    UNPRINTABLE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

function number(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`${value} is not a number a template can hold`)
  const written = String(value)
  // YAML 1.1 reads 1e+21 as text: its floats need a dot before the exponent.
  return /e/.test(written) && !written.includes('.') ? written.replace('e', '.0e') : written
}

function scalar(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'number') return number(value)
  if (typeof value === 'string') return text(value)
  throw new Error(`a template cannot hold ${typeof value} values`)
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A collection with something in it is written on the lines below its key; the rest inline. */
function nested(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : isMapping(value) && Object.keys(value).length > 0
}

function inline(value: unknown): string {
  if (Array.isArray(value)) return '[]'
  if (isMapping(value)) return '{}'
  return scalar(value)
}

function lines(value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent)
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (!nested(item)) return [`${pad}- ${inline(item)}`]
      // The item's first line goes after the dash, the rest stay under it.
      const [first = '', ...rest] = lines(item, indent + 2)
      return [`${pad}- ${first.slice(indent + 2)}`, ...rest]
    })
  }
  if (isMapping(value)) {
    return Object.entries(value).flatMap(([key, item]) =>
      nested(item)
        ? [`${pad}${text(key)}:`, ...lines(item, indent + 2)]
        : [`${pad}${text(key)}: ${inline(item)}`],
    )
  }
  return [`${pad}${scalar(value)}`]
}

/** Any JSON value as a YAML document. */
export function toYaml(value: unknown): string {
  const body = nested(value) ? lines(value, 0) : [inline(value)]
  return `---\n${body.join('\n')}\n`
}

/** The template's step file: its steps in order, then its variables when it has some. */
export function templateYaml(content: TemplateContent): string {
  const variables = content.variables ?? {}
  const file: Record<string, unknown> = { step_list: content.step_list }
  if (Object.keys(variables).length) file.variables = variables
  return toYaml(file)
}
