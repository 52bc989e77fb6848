/**
 * Strings shared by the whole app (layout, menu groups, shared forms, errors). A page's own
 * strings live in its `pages/<name>/locales.ts`, namespaced by the page's (folder) name.
 * zh.ts must have exactly these keys (the type check enforces it).
 */
const en = {
  app: {
    name: 'A-Ops',
    tagline: 'Intelligent operations for openEuler fleets',
  },
  menu: {
    // Menu groups (layout/menu.ts); a group shows only when a page of it exists.
    assets: 'Assets',
    deployment: 'Deployment',
    diagnosis: 'Diagnosis',
    configuration: 'Configuration',
  },
  sider: {
    // The side menu's trigger (layout/SideMenu.vue), named for screen readers.
    collapse: 'Collapse the menu',
    expand: 'Expand the menu',
  },
  header: {
    language: 'Language',
    changePassword: 'Change password',
    vaultKey: 'Vault key',
    logout: 'Log out',
    loggedOut: 'Logged out',
  },
  common: {
    ok: 'OK',
    cancel: 'Cancel',
    save: 'Save',
    required: 'Required',
  },
  password: {
    title: 'Change password',
    defaultTitle: 'Change the default password',
    defaultHint:
      'This account still uses the default password. Choose a new one to continue; you will be logged in with it.',
    current: 'Current password',
    new: 'New password',
    confirm: 'Confirm new password',
    mismatch: 'The two passwords differ',
    submit: 'Change password',
    changed: 'Password changed',
  },
  vaultKey: {
    title: 'Vault key',
    hint: 'The key that encrypts the SSH credentials of your hosts. The manager keeps it in memory until it restarts; enter it again after a restart.',
    key: 'Vault key',
    submit: 'Use this key',
    accepted: 'Vault key accepted',
  },
  session: {
    ended: 'Your session has ended. Please log in again.',
  },
  error: {
    network: 'The A-Ops server cannot be reached ({kind})',
    http: 'The server answered {status} {statusText}',
  },
}

export default en
export type Messages = typeof en
