/** Messages to the user: a failed call shows the server's own message (ApiError.message). */
import { message } from 'ant-design-vue'

import { ApiError } from '@/api/client'

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.message
  if (error instanceof Error) return error.message
  return String(error)
}

/**
 * Show a failure (the server's message for an ApiError). An ended session is not shown here:
 * the app is on its way to the login page, which tells why.
 */
export function showError(error: unknown): void {
  if (error instanceof ApiError && error.sessionEnded) return
  void message.error({ content: errorText(error), duration: 6 })
}

export function showSuccess(text: string): void {
  void message.success(text)
}
