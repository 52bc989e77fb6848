/**
 * The session: the token, who it is and whether the default password must be changed first.
 * Kept in localStorage so that a reload (or another tab) stays logged in; the server decides
 * whether the token is still good (a 401 ends it here too, see api/client.ts).
 */
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import * as account from '@/api/account'
import { Code } from '@/api/client'

import { readClaims } from './token'

const STORAGE_KEY = 'aops.session'

interface Saved {
  token: string
  username: string
  mustChangePassword: boolean
}

function load(): Saved | null {
  try {
    const saved = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Saved | null
    return saved && typeof saved.token === 'string' ? saved : null
  } catch {
    return null
  }
}

export const useSession = defineStore('session', () => {
  const saved = load()
  const token = ref<string | null>(saved?.token ?? null)
  const username = ref<string>(saved?.username ?? '')
  const mustChangePassword = ref<boolean>(saved?.mustChangePassword ?? false)
  /** Why the server ended the session (its message), shown on the login page. */
  const endedReason = ref('')

  const loggedIn = computed(() => token.value !== null)
  const claims = computed(() => (token.value ? readClaims(token.value) : null))

  function persist(): void {
    if (token.value === null) {
      localStorage.removeItem(STORAGE_KEY)
      return
    }
    const value: Saved = {
      token: token.value,
      username: username.value,
      mustChangePassword: mustChangePassword.value,
    }
    localStorage.setItem(STORAGE_KEY, JSON.stringify(value))
  }

  /** Log in; true when the default password must be changed before anything else. */
  async function login(name: string, password: string): Promise<boolean> {
    const reply = await account.login(name, password)
    token.value = reply.access_token
    username.value = name
    mustChangePassword.value = reply.code === Code.CHANGE_PASSWORD
    persist()
    return mustChangePassword.value
  }

  /**
   * Change the password, then log in with the new one: the server ends every session of the
   * user on a change, this one included.
   */
  async function changePassword(oldPassword: string, password: string): Promise<void> {
    await account.changePassword({ password, old_password: oldPassword })
    // The old token is dead now; it is replaced in one step (dropping it first would unmount
    // the form that is waiting for this to finish).
    try {
      await login(username.value || (claims.value?.username ?? ''), password)
    } catch (error) {
      drop()
      throw error
    }
  }

  /** End the session at the server, then forget it here whatever the answer. */
  async function logout(): Promise<void> {
    try {
      await account.logout()
    } finally {
      drop()
    }
  }

  /** Forget the session here (the server ended it, or it is being replaced). */
  function drop(): void {
    token.value = null
    mustChangePassword.value = false
    persist()
  }

  /** The server refused the token (expired, logged out elsewhere, password changed). */
  function ended(reason: string): void {
    drop()
    endedReason.value = reason
  }

  return {
    token,
    endedReason,
    ended,
    username,
    mustChangePassword,
    loggedIn,
    claims,
    login,
    changePassword,
    logout,
    drop,
  }
})
