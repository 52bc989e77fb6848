/**
 * An ECharts instance on a component's element: made when first asked for (the element must be
 * mounted), redrawn to the element's size when that changes (the window, or the side menu
 * folding), disposed with the component. Each chart registers the ECharts parts it draws
 * (`use([LineChart, ...])` from `echarts/core`), so a page carries only those.
 *
 * A chart of data fetched for it (a check result's series, a link's counters) fetches it with
 * `fetchThenDraw` and draws on `chartIf(there is something to draw)`; a chart of data it is given
 * (a tree, a graph, a histogram) draws it with `drawOn`.
 */
import { init, type ECharts } from 'echarts/core'
import { nextTick, onBeforeUnmount, onMounted, ref, watch, type Ref, type WatchSource } from 'vue'

import { showError } from '@/composables/notify'

export interface ChartOptions {
  /** `svg` where the text must be text (selectable, found by tests); `canvas` otherwise. */
  renderer?: 'canvas' | 'svg'
  /** Called once on the new instance (event handlers). */
  created?: (chart: ECharts) => void
}

export function useChart(element: Ref<HTMLElement | null>, options: ChartOptions = {}) {
  let instance: ECharts | null = null
  let frame = 0
  // Resized on the next frame: resizing inside the observer's callback could report a loop.
  const observer = new ResizeObserver(() => {
    cancelAnimationFrame(frame)
    frame = requestAnimationFrame(() => instance?.resize())
  })

  /** The chart, made on the first call once the element exists; null before. */
  function chart(): ECharts | null {
    if (!instance && element.value) {
      instance = init(element.value, null, { renderer: options.renderer ?? 'canvas' })
      observer.observe(element.value)
      options.created?.(instance)
    }
    return instance
  }

  /** Drop the chart (nothing to draw); the next `chart()` makes a new one. */
  function dispose(): void {
    observer.disconnect()
    instance?.dispose()
    instance = null
  }

  /** The chart when there is something to draw; else none, the one drawn before dropped. */
  function chartIf(something: boolean): ECharts | null {
    if (something) return chart()
    dispose()
    return null
  }

  /** True while `fetchThenDraw` waits for the data. */
  const loading = ref(false)

  /**
   * Fetch what to draw (`loading` meanwhile; a failure is shown), then `draw` once the page has
   * updated: the element is shown only when there is data, and the chart needs its size.
   */
  async function fetchThenDraw(fetch: () => Promise<void>, draw: () => void): Promise<void> {
    loading.value = true
    try {
      await fetch()
    } catch (error) {
      showError(error)
    } finally {
      loading.value = false
    }
    await nextTick()
    draw()
  }

  onBeforeUnmount(() => {
    cancelAnimationFrame(frame)
    dispose()
  })
  return { chart, chartIf, loading, fetchThenDraw }
}

/** Draw the chart's `data` once its element is mounted, and again whenever the data changes. */
export function drawOn(data: WatchSource<unknown>, draw: () => void): void {
  onMounted(draw)
  watch(data, draw)
}
