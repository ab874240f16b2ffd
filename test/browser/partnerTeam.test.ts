// The team's journey in Chromium with JavaScript off: an owner invites a user, who joins from
// the emailed link, sets up two-factor sign-in from the setup key shown as text, signs out and
// signs in again with a code; the user's role keeps them out of New purchase; the owner requires
// two-factor for everyone and deactivates the user, whose open session ends at once.
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { paths } from '../../lib/paths.ts';
import { testDatabase } from '../support/hooks.ts';
import { createTestPartner, type TestApp, type TestPartner } from '../support/app.ts';
import { noScriptContext, startAppInBrowser, stopAppInBrowser, type AppInBrowser } from '../support/browser.ts';
import { totpCode } from '../support/team.ts';
import { SignInPage } from './pages/signInPage.ts';
import { PartnerTeamPages } from './pages/partnerTeamPages.ts';
import { clickAndLoad } from './pages/navigation.ts';

describe('browser, JavaScript off: the team, an invitation and two-factor sign-in', function () {
  this.timeout(120_000);
  let t: TestApp;
  let server: AppInBrowser['server'];
  let browser: Browser;
  let ownerContext: BrowserContext;
  let userContext: BrowserContext;
  let owner: Page;
  let user: Page;
  let partner: TestPartner;

  before(async () => {
    ({ t, server, browser } = await startAppInBrowser());
    partner = await createTestPartner('Journey Team IT');
    ownerContext = await noScriptContext(browser, server.url);
    userContext = await noScriptContext(browser, server.url);
    owner = await ownerContext.newPage();
    user = await userContext.newPage();
  });
  after(async () => {
    await ownerContext?.close();
    await userContext?.close();
    await stopAppInBrowser({ t, server, browser });
  });

  const pathOf = (page: Page) => new URL(page.url()).pathname;

  it('invites a user who joins, sets up two-factor, signs in with a code, is kept from New purchase, and is signed out at once when deactivated', async () => {
    const inviteeEmail = 'robin.journey@example.test';
    const password = 'copper kettle seventeen lanterns';

    // The owner invites a User (the staff role).
    const ownerSignIn = new SignInPage(owner, paths.partner.signIn);
    await ownerSignIn.open();
    await ownerSignIn.signIn(partner.email, partner.password);
    await owner.waitForURL((url) => url.pathname === paths.partner.overview);
    const ownerTeam = new PartnerTeamPages(owner);
    await ownerTeam.invite(inviteeEmail, 'User');
    expect(pathOf(owner)).to.equal(paths.partner.team);
    expect(await ownerTeam.status()).to.include(`Invitation sent to ${inviteeEmail}`);
    expect(await owner.getByRole('row').filter({ hasText: inviteeEmail }).innerText()).to.include('Invited');

    // The invitee opens the emailed link and chooses a name and a password.
    const email = await testDatabase().db('outbox_emails').where({ template: 'partner-invitation', recipient: inviteeEmail }).orderBy('id', 'desc').first('data');
    const userTeam = new PartnerTeamPages(user);
    await userTeam.acceptInvitation(new URL(email.data.acceptUrl).pathname, 'Robin Journey', password, partner.company);
    expect(pathOf(user)).to.equal(paths.partner.accounts);
    expect(await userTeam.status()).to.include('Welcome to Journey Team IT');

    // A User works on accounts, but New purchase is not theirs, nor is its link shown.
    expect(await user.getByRole('link', { name: 'New purchase' }).count()).to.equal(0);
    const forbidden = await user.goto(paths.partner.newPurchase);
    expect(forbidden?.status()).to.equal(403);
    expect(await user.getByRole('heading', { level: 1 }).innerText()).to.equal('You do not have access to this');
    const accounts = await user.goto(paths.partner.accounts);
    expect(accounts?.status()).to.equal(200);

    // Two-factor from the setup key shown as text, confirmed with the app's code.
    const setupKey = await userTeam.openTwoFactorSetUp();
    expect(setupKey).to.match(/^[A-Z2-7]{4}( [A-Z2-7]{1,4})+$/);
    expect(await user.getByRole('img', { name: /QR code that adds robin\.journey@example\.test/ }).isVisible()).to.equal(true);
    await userTeam.confirmTwoFactor(totpCode(setupKey));
    expect(pathOf(user)).to.equal(paths.partner.recoveryCodes);
    const codes = await userTeam.recoveryCodes();
    expect(codes).to.have.length(10);
    codes.forEach((code) => expect(code).to.match(/^[A-Z0-9]{5}(-[A-Z0-9]{5}){3}$/));
    await clickAndLoad(user, user.getByRole('link', { name: 'I have kept my recovery codes, continue' }));
    expect(pathOf(user)).to.equal(paths.partner.settings);

    // Signed out, then in again: the password, then a code (the next step's: the set-up spent this one).
    await userTeam.signOut();
    const userSignIn = new SignInPage(user, paths.partner.signIn);
    await userSignIn.open();
    await userSignIn.signIn(inviteeEmail, password);
    await user.waitForURL((url) => url.pathname === paths.partner.signInCode);
    await userTeam.enterSignInCode(totpCode(setupKey, Date.now() + 30_000));
    expect(pathOf(user)).to.equal(paths.partner.overview);
    expect((await user.goto(paths.partner.accounts))?.status()).to.equal(200);

    // The owner (with two-factor of their own) requires it for everyone.
    const ownerKey = await ownerTeam.openTwoFactorSetUp();
    await ownerTeam.confirmTwoFactor(totpCode(ownerKey));
    await ownerTeam.requireTwoFactorForEveryone();
    expect(await ownerTeam.status()).to.include('Two-factor sign-in is now required for everyone.');
    // The user has it: still signed in.
    await user.goto(paths.partner.accounts);
    expect(pathOf(user)).to.equal(paths.partner.accounts);

    // Deactivated: the user's open session ends at once.
    await ownerTeam.deactivate('Robin Journey');
    expect(await ownerTeam.status()).to.include('Robin Journey is deactivated');
    await user.goto(paths.partner.accounts);
    expect(pathOf(user)).to.equal(paths.partner.signIn);
    await userSignIn.signIn(inviteeEmail, password);
    expect(pathOf(user)).to.equal(paths.partner.signIn);
  });
});
