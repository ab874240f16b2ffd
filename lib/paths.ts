// Every URL of the product, in one place: routes, controllers, views and tests use these.
const id = (value: number | string) => encodeURIComponent(String(value));

export const paths = {
  home: '/',
  health: '/healthz',
  ready: '/readyz',

  partner: {
    signIn: '/partner/sign-in',
    signOut: '/partner/sign-out',
    overview: '/partner/overview',
    backupMonitoring: '/partner/backup-monitoring',
    accounts: '/partner/accounts',
    accountsCsv: '/partner/accounts.csv',
    newPurchase: '/partner/purchases/new',
    reviewPurchase: '/partner/purchases/review',
    completePurchase: '/partner/purchases',
    bulkPurchase: '/partner/purchases/bulk',
    bulkPurchaseTemplate: '/partner/purchases/bulk/template.csv',
    bulkPurchasePreview: (uploadId: string) => `/partner/purchases/bulk/${id(uploadId)}`,
    placeBulkPurchase: (uploadId: string) => `/partner/purchases/bulk/${id(uploadId)}/place`,
    bulkPurchaseResult: (uploadId: string) => `/partner/purchases/bulk/${id(uploadId)}/result`,
    bulkPurchaseReport: (uploadId: string) => `/partner/purchases/bulk/${id(uploadId)}/report.csv`,
    // Start a trial: New purchase's form and review, without an order.
    newTrial: '/partner/purchases/trial/new',
    reviewTrial: '/partner/purchases/trial/review',
    startTrial: '/partner/purchases/trials',
    account: (accountId: number | string) => `/partner/accounts/${id(accountId)}`,
    installCarbonite: (accountId: number | string) => `/partner/accounts/${id(accountId)}/install`,
    resendRegistration: (accountId: number | string) => `/partner/accounts/${id(accountId)}/resend-registration`,
    handOver: (accountId: number | string) => `/partner/accounts/${id(accountId)}/hand-over`,
    releaseAccount: (accountId: number | string) => `/partner/accounts/${id(accountId)}/release`,
    requestAdministration: (accountId: number | string) => `/partner/accounts/${id(accountId)}/administration-request`,
    renew: (accountId: number | string) => `/partner/accounts/${id(accountId)}/renew`,
    reviewRenewal: (accountId: number | string) => `/partner/accounts/${id(accountId)}/renew/review`,
    completeRenewal: (accountId: number | string) => `/partner/accounts/${id(accountId)}/renewals`,
    autoRenew: (accountId: number | string) => `/partner/accounts/${id(accountId)}/auto-renew`,
    upgrade: (accountId: number | string) => `/partner/accounts/${id(accountId)}/upgrade`,
    reviewUpgrade: (accountId: number | string) => `/partner/accounts/${id(accountId)}/upgrade/review`,
    completeUpgrade: (accountId: number | string) => `/partner/accounts/${id(accountId)}/upgrades`,
    upgradeTrial: (accountId: number | string) => `/partner/accounts/${id(accountId)}/upgrade-to-paid`,
    reviewTrialUpgrade: (accountId: number | string) => `/partner/accounts/${id(accountId)}/upgrade-to-paid/review`,
    completeTrialUpgrade: (accountId: number | string) => `/partner/accounts/${id(accountId)}/paid-subscriptions`,
    addExistingCustomer: '/partner/add-existing-customer',
    orders: '/partner/orders',
    ordersCsv: '/partner/orders.csv',
    order: (orderId: number | string) => `/partner/orders/${id(orderId)}`,
    activity: '/partner/activity',
    undeliveredMail: '/partner/mail',
    settings: '/partner/settings',
    changePassword: '/partner/settings/password',
    changeName: '/partner/settings/name',
    changeEmail: '/partner/settings/email',
    emailPreferences: '/partner/settings/emails',
    weeklyDigest: '/partner/settings/weekly-digest',
    twoFactorSetUp: '/partner/settings/two-factor',
    recoveryCodes: '/partner/settings/two-factor/recovery-codes',
    team: '/partner/team',
    inviteUser: '/partner/team/invite',
    resendInvitation: (invitationId: number | string) => `/partner/team/invitations/${id(invitationId)}/resend`,
    revokeInvitation: (invitationId: number | string) => `/partner/team/invitations/${id(invitationId)}/revoke`,
    teamUser: (userId: number | string) => `/partner/team/users/${id(userId)}`,
    changeRole: (userId: number | string) => `/partner/team/users/${id(userId)}/role`,
    deactivateUser: (userId: number | string) => `/partner/team/users/${id(userId)}/deactivate`,
    resetTwoFactor: (userId: number | string) => `/partner/team/users/${id(userId)}/reset-two-factor`,
    transferOwnership: '/partner/team/transfer-ownership',
    twoFactorRequirement: '/partner/team/two-factor-requirement',
    company: '/partner/company',
    companyLogo: '/partner/company/logo',
    removeCompanyLogo: '/partner/company/logo/remove',
    // Public: the emailed invitation, and the sign-in's second step (before the session is signed in).
    acceptInvitation: (token: string) => `/partner/invitations/${id(token)}`,
    signInCode: '/partner/sign-in/code',
    signInSetUpTwoFactor: '/partner/sign-in/two-factor',
    forgotPassword: '/partner/forgot-password',
    confirmEmailChange: (token: string) => `/partner/email-change/${id(token)}`,
    resetPassword: (token: string) => `/partner/reset-password/${id(token)}`,
  },

  // Public: a partner's logo, for their customers' emails and pages; v changes with the logo.
  partnerLogo: (partnerId: number | string, version: number | string) => `/logos/partners/${id(partnerId)}?v=${id(version)}`,

  registration: {
    // The emailed link: /register/<token>. Later steps carry the journey id, so two tabs
    // with two links never mix.
    start: (token: string) => `/register/${id(token)}`,
    newLink: '/register/new-link',
    computer: (journeyId: string) => `/register/${id(journeyId)}/computer`,
    account: (journeyId: string) => `/register/${id(journeyId)}/account`,
    personal: (journeyId: string) => `/register/${id(journeyId)}/personal`,
  },

  portal: {
    signIn: '/portal/sign-in',
    signOut: '/portal/sign-out',
    home: '/portal',
    install: '/portal/install',
    settings: '/portal/settings',
    changePassword: '/portal/settings/password',
    changeSecurityQuestions: '/portal/settings/security-questions',
    chooseSecurityQuestions: '/portal/security-questions',
    acceptPartnerRequest: (requestId: number | string) => `/portal/partner-requests/${id(requestId)}/accept`,
    declinePartnerRequest: (requestId: number | string) => `/portal/partner-requests/${id(requestId)}/decline`,
    forgotPassword: '/portal/forgot-password',
    resetPassword: (token: string) => `/portal/reset-password/${id(token)}`,
  },

  api: {
    installations: '/api/v1/installations',
    backups: '/api/v1/installations/backups',
  },

  devMailbox: {
    index: '/dev/mailbox',
    message: (messageId: number | string) => `/dev/mailbox/${id(messageId)}`,
  },
} as const;

// A route pattern from a path builder: paths.partner.account(':accountId') comes back encoded
// (%3AaccountId), so the parameter's colon is restored for the router.
export function routePattern(build: (param: string) => string, param: string): string {
  return decodeURIComponent(build(`:${param}`));
}
