import { describe, expect, it } from 'vitest';
import {
  emailAccountBody,
  emailAccountChecks,
  emptyEmailAccount,
  emptySmsGateway,
  isTimeZone,
  newUserBody,
  parsePairs,
  portForTls,
  settingsPatch,
  smsGatewayBody,
  smsGatewayChecks,
  userChecks,
  userPatch,
} from './forms';
import type { GeneralSettings } from './types';

describe('e-mail account form', () => {
  it('sends what was typed and leaves empty optional fields out (the API’s defaults apply)', () => {
    expect(
      emailAccountBody({
        ...emptyEmailAccount,
        name: ' Relay ',
        host: 'smtp.example.com',
        username: '',
        perHour: 500,
      }),
    ).toEqual({
      name: 'Relay',
      host: 'smtp.example.com',
      tls: 'starttls',
      port: 587,
      poolSize: 5,
      weight: 1,
      perHour: 500,
    });
  });

  it('sends a password only when one is typed, as typed', () => {
    const body = emailAccountBody({
      ...emptyEmailAccount,
      name: 'a',
      host: 'h',
      username: 'u',
      password: ' p w ',
    });
    expect(body).toMatchObject({ username: 'u', password: ' p w ' });
    expect('password' in emailAccountBody({ ...emptyEmailAccount, name: 'a', host: 'h' })).toBe(false);
  });

  it('checks host, port and limits as the API does', () => {
    expect(emailAccountChecks.host('smtp example')).toBe('A host name or address');
    expect(emailAccountChecks.host('[::1]')).toBeNull();
    expect(emailAccountChecks.port('')).toBe('Enter a number');
    expect(emailAccountChecks.port(70000)).toBe('Between 1 and 65535');
    expect(emailAccountChecks.perSecond('')).toBeNull();
    expect(emailAccountChecks.perSecond(1.5)).toBe('Enter a whole number');
  });

  it('moves the port with TLS from the start (465) and back', () => {
    expect(portForTls('implicit', 587)).toBe(465);
    expect(portForTls('starttls', 465)).toBe(587);
    expect(portForTls('implicit', 2525)).toBe(2525);
  });
});

describe('SMS gateway form', () => {
  it('sends only the chosen kind’s fields', () => {
    expect(smsGatewayBody({ ...emptySmsGateway, kind: 'outbox', name: 'Dev', host: 'ignored' })).toEqual({
      kind: 'outbox',
      name: 'Dev',
      weight: 1,
    });
    expect(
      smsGatewayBody({
        ...emptySmsGateway,
        name: 'Operator',
        host: 'smpp.example.com',
        systemId: 'acme',
        password: 'secret',
        defaultCountry: 'no',
        sender: 'Posthorn',
      }),
    ).toEqual({
      kind: 'smpp',
      name: 'Operator',
      sender: 'Posthorn',
      defaultCountry: 'NO',
      weight: 1,
      host: 'smpp.example.com',
      port: 2775,
      tls: false,
      systemId: 'acme',
      password: 'secret',
    });
  });

  it('reads the HTTP gateway’s fields and headers one a line', () => {
    expect(parsePairs('to={{to}}\n\ntext = {{text}}', '=')).toEqual({ to: '{{to}}', text: '{{text}}' });
    expect(parsePairs('Authorization: Bearer x:y', ':')).toEqual({ Authorization: 'Bearer x:y' });
    expect(parsePairs('nonsense', '=')).toBeNull();
    const body = smsGatewayBody({
      ...emptySmsGateway,
      kind: 'http',
      name: 'Web',
      url: 'https://sms.example.com/send',
      headers: 'X-Key: k',
    });
    expect(body).toMatchObject({
      kind: 'http',
      fields: { to: '{{to}}', from: '{{from}}', text: '{{text}}' },
      headers: { 'X-Key': 'k' },
    });
  });

  it('checks only the fields of the chosen kind', () => {
    const http = { ...emptySmsGateway, kind: 'http' as const };
    expect(smsGatewayChecks.host('', http)).toBeNull();
    expect(smsGatewayChecks.host('', emptySmsGateway)).not.toBeNull();
    expect(smsGatewayChecks.url('ftp://x', http)).toBe('An http:// or https:// address');
    expect(smsGatewayChecks.password('0123456789', emptySmsGateway)).toMatch(/at most 9/);
    expect(smsGatewayChecks.sender('Posthorn')).toBeNull();
    expect(smsGatewayChecks.sender('+4712345678')).toBeNull();
    expect(smsGatewayChecks.sender('Far too long a name')).not.toBeNull();
  });
});

describe('general settings', () => {
  const stored: GeneralSettings = {
    privacyFilter: true,
    bounceThreshold: 5,
    linkExpiryDays: 21,
    onlyApprovedDomains: false,
    expiredLeases: 'resend',
    timeZone: 'Europe/Oslo',
  };

  it('names only the changed settings in the PATCH', () => {
    expect(settingsPatch(stored, { ...stored })).toEqual({});
    expect(settingsPatch(stored, { ...stored, linkExpiryDays: 30, privacyFilter: false })).toEqual({
      linkExpiryDays: 30,
      privacyFilter: false,
    });
  });

  it('knows IANA time zones', () => {
    expect(isTimeZone('Europe/Oslo')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
  });
});

describe('user form', () => {
  const stored = {
    name: 'Anna',
    email: 'anna@example.com',
    role: 'marketer',
    password: '',
    timeZone: 'Europe/Oslo',
    isActive: true,
  };

  it('creates a user with or without a password', () => {
    expect(newUserBody({ ...stored, name: ' Anna ' })).toEqual({
      name: 'Anna',
      email: 'anna@example.com',
      role: 'marketer',
      timeZone: 'Europe/Oslo',
    });
    expect(newUserBody({ ...stored, password: 'long enough pw' }).password).toBe('long enough pw');
  });

  it('changes only what was edited; an empty password keeps the current one', () => {
    expect(userPatch(stored, { ...stored })).toEqual({});
    expect(userPatch(stored, { ...stored, role: 'analyst', isActive: false })).toEqual({
      role: 'analyst',
      isActive: false,
    });
    expect(userPatch(stored, { ...stored, password: 'a new password' })).toEqual({
      password: 'a new password',
    });
  });

  it('checks the e-mail and password length', () => {
    expect(userChecks.email('anna')).not.toBeNull();
    expect(userChecks.password('short')).toBe('At least 10 characters');
    expect(userChecks.password('')).toBeNull();
  });
});
