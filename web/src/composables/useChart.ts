/**
 * An ECharts instance on a component's element: made when first asked for (the element must be
 * mounted), redrawn to the element's size when that changes (the window, or the side menu
 * folding), disposed with the component. Each chart registers the ECharts parts it draws
 * (`use([LineChart, ...])` from `echarts/core`), so a page carries only those.
 */
import { init, type ECharts } from 'echarts/core'
import { onBeforeUnmount, type Ref } from 'vue'

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

  onBeforeUnmount(() => {
    cancelAnimationFrame(frame)
    dispose()
  })
  return { chart, dispose }
}
