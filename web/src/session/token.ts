/**
 * What the web can read of a session token: `<base64url JSON claims>.<signature>`, claims
 * `sub` (user), `iat` and `exp` (POSIX seconds), as aops_utils/auth.py issues them. Only for
 * display (who, until when): the services check the signature, the web never trusts it.
 */
export interface TokenClaims {
  username: string
  issuedAt: number
  expiresAt: number
}

export function readClaims(token: string): TokenClaims | null {
  const payload = token.split('.')[0]
  if (!payload) return null
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/')
    const json = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='))
    const data = JSON.parse(json) as Record<string, unknown>
    if (
      typeof data.sub !== 'string' ||
      typeof data.iat !== 'number' ||
      typeof data.exp !== 'number'
    ) {
      return null
    }
    return { username: data.sub, issuedAt: data.iat, expiresAt: data.exp }
  } catch {
    return null
  }
}
