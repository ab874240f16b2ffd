// The company profile (owner and administrators; lib/auth/roles.ts guards /partner/company):
// the details customers and the team see, and the logo, uploaded as PNG or JPEG of 512 KB at
// most, checked by its bytes and encoded again. The logo is served from the app to anyone
// (emails, the registration wizard and the customer Portal show it) with its own type.
import type { Request, RequestHandler, Response } from 'express';
import type { RouterDeps } from '../../lib/deps.ts';
import { paths } from '../../lib/paths.ts';
import { renderFailedForm } from '../../lib/forms/failedForm.ts';
import { refusedForm, type FailedForm } from '../../lib/forms/result.ts';
import { idFrom } from '../../lib/forms/validation.ts';
import { NotFoundError } from '../../lib/http/errors.ts';
import { LOGO_MAX_BYTES, logoUploadError } from '../../lib/http/logoUpload.ts';
import { checkAndReencodeLogo, LOGO_MAX_HEIGHT, LOGO_MAX_WIDTH } from '../../lib/images/logo.ts';
import { findCompanyLogo, findCompanyProfile, removeCompanyLogo, saveCompanyDetails, saveCompanyLogo, type CompanyProfile } from '../../models/companyProfile.ts';
import { readCompanyDetails } from '../../validators/companyProfile.ts';

const VIEW = 'partner/company';

function pageLocals(profile: CompanyProfile, partnerId: number) {
  return {
    title: 'Company profile',
    activeTab: 'company',
    profile,
    logoUrl: profile.logoUpdatedAt ? paths.partnerLogo(partnerId, profile.logoUpdatedAt.getTime()) : undefined,
    logoMaxKb: LOGO_MAX_BYTES / 1024,
    logoBox: `${LOGO_MAX_WIDTH} × ${LOGO_MAX_HEIGHT}`,
  };
}

const detailValues = (p: CompanyProfile) => ({ name: p.name, contactName: p.contactName, contactEmail: p.contactEmail, address: p.address, phone: p.phone, supportEmail: p.supportEmail });

export function get(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const profile = await findCompanyProfile(deps.db, req.user!.partnerId);
    res.render(VIEW, { ...pageLocals(profile, req.user!.partnerId), values: detailValues(profile) });
  };
}

export function post(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const user = req.user!;
    const form = readCompanyDetails(req.body);
    if (!form.ok) return renderFailedForm(res, VIEW, form, pageLocals(await findCompanyProfile(deps.db, user.partnerId), user.partnerId));
    await saveCompanyDetails(deps.db, user, form.value, req.ip);
    req.session.flash = { kind: 'success', text: 'The company profile has been saved.' };
    res.redirect(303, paths.partner.company);
  };
}

// A refused logo: the page again with the details as saved and the message at the logo field.
async function refuseLogo(deps: RouterDeps, req: Request, res: Response, problem: string, status = 422): Promise<void> {
  const profile = await findCompanyProfile(deps.db, req.user!.partnerId);
  const failed: FailedForm = refusedForm(detailValues(profile), { logo: problem });
  renderFailedForm(res, VIEW, failed, pageLocals(profile, req.user!.partnerId), status);
}

const UPLOAD_PROBLEMS: Record<string, string> = {
  LIMIT_FILE_SIZE: `The logo must be ${LOGO_MAX_BYTES / 1024} KB or smaller`,
};

export function logoPost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const uploadProblem = logoUploadError(req);
    if (uploadProblem) return refuseLogo(deps, req, res, UPLOAD_PROBLEMS[uploadProblem] ?? 'Choose one PNG or JPEG file to upload', uploadProblem === 'LIMIT_FILE_SIZE' ? 413 : 422);
    if (!req.file || req.file.size === 0) return refuseLogo(deps, req, res, 'Choose a PNG or JPEG file to upload');
    const logo = await checkAndReencodeLogo(req.file.buffer);
    if (!logo.ok) return refuseLogo(deps, req, res, logo.problem);
    await saveCompanyLogo(deps.db, req.user!, logo, req.ip);
    req.session.flash = { kind: 'success', text: 'The logo has been saved. Customers see it in their registration email, the registration pages and their Portal.' };
    res.redirect(303, paths.partner.company);
  };
}

export function logoRemovePost(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    await removeCompanyLogo(deps.db, req.user!, req.ip);
    req.session.flash = { kind: 'success', text: 'The logo has been removed.' };
    res.redirect(303, paths.partner.company);
  };
}

// Public: the bytes sharp wrote, with their own type, never sniffed.
export function logoGet(deps: RouterDeps): RequestHandler {
  return async (req, res) => {
    const partnerId = idFrom(req.params.partnerId);
    const logo = partnerId === undefined ? undefined : await findCompanyLogo(deps.db, partnerId);
    if (!logo) throw new NotFoundError();
    res.set({ 'Content-Type': logo.contentType, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=3600', 'Content-Disposition': 'inline' });
    res.send(logo.bytes);
  };
}
