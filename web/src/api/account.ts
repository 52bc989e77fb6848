/** Account routes of the manager (aops_manager/api/accounts.py). */
import { api, Code } from './client'

export interface LoginReply {
  access_token: string
}

/** Log in; resolves with code 1204 too (the default password: a token that must change it). */
export function login(username: string, password: string) {
  return api.post<LoginReply>(
    '/manage/account/login',
    { username, password },
    { anonymous: true, accept: [Code.CHANGE_PASSWORD] },
  )
}

/** End this session at the manager; its token is refused from now on. */
export function logout() {
  return api.post('/manage/account/logout', {}, { ignoreSessionEnd: true })
}

export interface ChangePasswordBody {
  password: string
  /** Checked by the server when given; the web always sends it. */
  old_password: string
}

/** Change the password; the server ends every session of the user, this one included. */
export function changePassword(body: ChangePasswordBody) {
  return api.post('/manage/account/change', body)
}

/** Give the manager the vault key (1203, field `key`, when it does not open the stored credentials). */
export function certificate(key: string) {
  return api.post('/manage/account/certificate', { key })
}
