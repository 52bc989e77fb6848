/**
 * Ask for the vault key from anywhere: a call the manager refused with 1203 (no key in its
 * memory, e.g. after a restart) opens the header's vault key dialog (layout/UserMenu.vue shows
 * it) and learns whether a key was accepted, so that it can try again.
 */
import { readonly, ref } from 'vue'

import { ApiError, Code } from '@/api/client'

/** Why the key is asked for (shown above the form); null when nothing asks. */
const reason = ref<string | null>(null)
let settle: ((accepted: boolean) => void) | null = null

/** The request the dialog shows, if any. */
export const vaultKeyRequest = readonly(reason)

/** Open the dialog with `why`; true once a key was accepted, false when it was closed without. */
export function askVaultKey(why: string): Promise<boolean> {
  // A second request replaces the first, which ends unanswered.
  settle?.(false)
  reason.value = why
  return new Promise((resolve) => {
    settle = resolve
  })
}

/** The dialog closed: with a key accepted or not. */
export function vaultKeyAnswered(accepted: boolean): void {
  const waiting = settle
  settle = null
  reason.value = null
  waiting?.(accepted)
}

/** The manager has no vault key for the user (or not the right one): 1203. */
export function needsVaultKey(error: unknown): boolean {
  return error instanceof ApiError && error.code === Code.KEY_ERROR
}
