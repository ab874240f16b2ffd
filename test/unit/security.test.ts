import express from 'express';
import helmet from 'helmet';
import { expect } from 'chai';
import supertest from 'supertest';
import { SECURITY_HEADER_OPTIONS, securityHeaders } from '../../lib/http/securityHeaders.ts';

// Answers 'ok' behind the given middleware; only the headers it adds differ.
function appBehind(middleware: express.RequestHandler) {
  const app = express();
  app.use(middleware);
  app.get('/', (_req, res) => res.send('ok'));
  return app;
}

const withoutDate = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name !== 'date'));

describe('security headers', () => {
  it('sets exactly the headers helmet sets with the same options, on every answer', async () => {
    const fromHelmet = await supertest(appBehind(helmet(SECURITY_HEADER_OPTIONS))).get('/').expect(200);
    const app = appBehind(securityHeaders());
    for (let i = 0; i < 2; i++) {
      const ours = await supertest(app).get('/').expect(200);
      expect(withoutDate(ours.headers)).to.deep.equal(withoutDate(fromHelmet.headers));
    }
    expect(fromHelmet.headers['content-security-policy']).to.include("default-src 'none'");
    expect(fromHelmet.headers['strict-transport-security']).to.be.a('string');
    expect(fromHelmet.headers['x-powered-by']).to.equal(undefined);
  });
});
