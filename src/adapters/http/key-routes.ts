import { Type } from '@sinclair/typebox';
import { ApiKey } from '../../domain/api-key';
import { Operation } from './operation';
import { KeyDocument, KeyListDocument, LabelInput } from './schemas';

/** The routes of keys and accounts, spread into the route table (routes.ts). */
const EXAMPLE_KEY = `${ApiKey.PREFIX}Xb3kQ2w9${'Xb3k'.repeat(8)}Q2w`;

const keyResource = (key: ApiKey) => ({
  type: 'keys',
  id: key.id,
  attributes: {
    label: key.label,
    prefix: key.prefix,
    createdAt: key.createdAt.toISOString(),
    lastUsedAt: key.lastUsedAt && key.lastUsedAt.toISOString(),
  },
});

const exampleKey = {
  type: 'keys',
  id: '9f1c2a4e-6b7d-4e8f-a0b1-c2d3e4f5a6b7',
  attributes: { label: 'ci', prefix: 'Xb3kQ2w9', createdAt: '2026-01-02T03:04:05.000Z', lastUsedAt: '2026-01-03T10:00:00.000Z' },
};

export const KEY_OPERATIONS: readonly Operation[] = [
  {
    operationId: 'createApiKey',
    method: 'post',
    path: '/v1/keys',
    tag: 'users',
    summary: 'Create an API key (or log in)',
    description:
      `Creates a key, shown this once. Authenticate with a key you have (Bearer), to add one for another machine, ` +
      `or with your email and password (Basic), which is how you log in when every key is lost. ` +
      `An account holds at most ${ApiKey.MAX_PER_USER} keys. Wrong passwords are limited per account and per client address; ` +
      'past a limit the answer is 429 with Retry-After, and no password is checked.',
    auth: 'key-or-password',
    body: {
      resource: 'keys',
      required: false,
      fields: { label: { schema: LabelInput, code: 'invalid_label' } },
      example: { label: 'ci' },
    },
    responses: {
      201: {
        description: 'Created. The reply carries the key, once.',
        schema: KeyDocument,
        example: { data: { ...exampleKey, attributes: { ...exampleKey.attributes, lastUsedAt: null, apiKey: EXAMPLE_KEY } } },
      },
    },
    errors: ['too_many_keys'],
    usesStorage: true,
    async handle({ userId, body }, { createApiKey }) {
      const { apiKey, key } = await createApiKey.execute(userId, body.label);
      const resource = keyResource(apiKey);
      return { status: 201, body: { data: { ...resource, attributes: { ...resource.attributes, apiKey: key } } } };
    },
  },
  {
    operationId: 'listApiKeys',
    method: 'get',
    path: '/v1/keys',
    tag: 'users',
    summary: 'List your API keys',
    description: 'Every key of your account, newest first: label, prefix, creation and last use. Never the keys themselves.',
    auth: 'key',
    responses: { 200: { description: 'Your keys.', schema: KeyListDocument, example: { data: [exampleKey] } } },
    errors: [],
    usesStorage: true,
    async handle({ userId }, { listApiKeys }) {
      return { status: 200, body: { data: (await listApiKeys.execute(userId)).map(keyResource) } };
    },
  },
  {
    operationId: 'revokeApiKey',
    method: 'delete',
    path: '/v1/keys/{id}',
    tag: 'users',
    summary: 'Revoke an API key',
    description:
      'Deletes one of your keys; it stops working at once, on every replica. The key of the request itself may be revoked. ' +
      'Your last key is kept (409 last_key): log in with your password to make another first. ' +
      "Another user's key and an unknown id are both 404 key_not_found.",
    auth: 'key',
    params: { id: { schema: Type.String({ minLength: 1, maxLength: 128 }), code: 'key_not_found', description: 'The id of the key, as listed.' } },
    responses: { 204: { description: 'Revoked.' } },
    errors: ['key_not_found', 'last_key'],
    usesStorage: true,
    async handle({ userId, params }, { revokeApiKey }) {
      await revokeApiKey.execute(userId, String(params.id));
      return { status: 204, body: undefined };
    },
  },
  {
    operationId: 'deleteAccount',
    method: 'delete',
    path: '/v1/account',
    tag: 'users',
    summary: 'Delete your account',
    description:
      'Deletes the account, all its keys and its counter. It takes the password (Basic), not a key. ' +
      'Afterwards the email can register again, and starts from nothing.',
    auth: 'password',
    responses: { 204: { description: 'Deleted.' } },
    errors: [],
    usesStorage: true,
    async handle({ userId }, { deleteAccount }) {
      await deleteAccount.execute(userId);
      return { status: 204, body: undefined };
    },
  },
];
