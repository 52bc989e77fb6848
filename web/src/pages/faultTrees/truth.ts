/** A node's three-valued result, its name and its colour (the chart and the legend share them). */
import type { ReportNode, Truth } from '@/api/diagnosis'

export type TruthName = 'true' | 'false' | 'unknown'

/** True: the fault is there (red); false: it is not (green); unknown: not decided (grey). */
export const VALUE_COLOURS: Record<TruthName, string> = {
  true: '#cf1322',
  false: '#389e0d',
  unknown: '#8c8c8c',
}

export function truthOf(value: Truth | undefined): TruthName {
  if (value === true) return 'true'
  if (value === false) return 'false'
  return 'unknown'
}

export interface FlatNode {
  key: string
  depth: number
  node: ReportNode
}

/** The nodes of a tree, depth first, each with its depth (the evidence table lists them so). */
export function flatten(root: ReportNode): FlatNode[] {
  const out: FlatNode[] = []
  const walk = (node: ReportNode, depth: number, key: string) => {
    out.push({ key, depth, node })
    ;(node.children ?? []).forEach((kid, index) => walk(kid, depth + 1, `${key}/${index}`))
  }
  walk(root, 0, 'n')
  return out
}
