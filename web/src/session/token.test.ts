import { describe, expect, it } from 'vitest'

import { readClaims } from './token'

function token(claims: object): string {
  // base64url without padding, as aops_utils/auth.py writes it
  const payload = btoa(JSON.stringify(claims))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '')
  return `${payload}.signature`
}

describe('readClaims', () => {
  it('reads who and until when from a token the services issued', () => {
    const claims = { sub: 'admin', jti: 'x', iat: 1700000000, exp: 1700028800, typ: 'user' }
    expect(readClaims(token(claims))).toEqual({
      username: 'admin',
      issuedAt: 1700000000,
      expiresAt: 1700028800,
    })
  })

  it('gives nothing for a token it cannot read', () => {
    expect(readClaims('not a token')).toBeNull()
    expect(readClaims(token({ sub: 'admin' }))).toBeNull()
    expect(readClaims('')).toBeNull()
  })
})
