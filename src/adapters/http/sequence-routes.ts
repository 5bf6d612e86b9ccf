import { Type } from '@sinclair/typebox';
import { Counter } from '../../domain/counter';
import { IdempotencyKey, IssueCount, Sequence, SequenceName, SequencePage } from '../../domain/sequence';
import { Issue } from '../../domain/sequence-repository.port';
import { etagOf, expectedValues, withConditions } from './conditions';
import { Field, Operation, Reply, Request } from './operation';
import { refuse } from './problems';
import {
  CountInput,
  CountParameter,
  CounterValueInput,
  ETagHeader,
  IdempotencyKeyHeader,
  IfMatchHeader,
  PageSizeParameter,
  SequenceDocument,
  SequenceIssueDocument,
  SequenceListDocument,
  SequenceNameValue,
} from './schemas';

/**
 * The routes of named sequences, and the inputs /v1/next and /v1/current share with them
 * (count, Idempotency-Key, If-Match, ETag). routes.ts spreads these into the route table.
 */
const VALUE_HINT = `must be a whole number from ${Counter.MIN_VALUE} to ${Counter.MAX_VALUE} written in decimal digits`;
const EXAMPLE_TIME = '2026-01-02T03:04:05.000Z';

export const countQuery: Record<string, Field> = {
  count: { schema: CountParameter, code: 'invalid_count', hint: IssueCount.RULE, description: CountParameter.description },
};

export const countBody: Record<string, Field> = { count: { schema: CountInput, code: 'invalid_count', hint: IssueCount.RULE } };

export const idempotencyHeader: Record<string, Field> = {
  'Idempotency-Key': { schema: IdempotencyKeyHeader, code: 'invalid_idempotency_key', hint: IdempotencyKey.RULE, description: IdempotencyKeyHeader.description },
};

export const ifMatchHeader: Record<string, Field> = {
  'If-Match': { schema: IfMatchHeader, code: 'malformed_if_match', description: IfMatchHeader.description },
};

export const IDEMPOTENCY_ERRORS = ['idempotency_key_reused', 'idempotency_key_in_use', 'idempotency_unsupported'] as const;

export const replayedHeader = {
  'Idempotent-Replayed': {
    description: '"true" when this is the recorded answer to an earlier request with the same Idempotency-Key; nothing new was handed out.',
    schema: Type.Literal('true'),
  },
};

/** `count` from the body or the query (not both), as the decimal text the domain parses. */
export function countOf(request: Request): string | undefined {
  const { count: inBody } = request.body;
  const { count: inQuery } = request.query;
  if (inBody !== undefined && inQuery !== undefined) {
    throw refuse('invalid_count', 'count is given both in the query and in the body; give it once.', { parameter: 'count' });
  }
  // A JSON number arrives here only as a safe integer (request.ts), so its decimal text is exact.
  return inBody !== undefined ? String(inBody) : (inQuery as string | undefined);
}

/** The reply to a `next`: the document, the range in meta, the replay flag, and the integers for the metric. */
export function issueReply(issue: Issue, data: unknown): Reply {
  return {
    status: 200,
    body: { data, meta: { issued: issue.issued } },
    headers: issue.replayed ? { 'Idempotent-Replayed': 'true' } : undefined,
    issued: issue.replayed ? 0 : issue.issued.count,
  };
}

function linkOf(name: string): string {
  return `/v1/sequences/${name}`;
}

export function sequenceResource(sequence: Sequence) {
  return {
    type: 'sequences',
    id: sequence.name,
    attributes: { value: sequence.value, createdAt: sequence.createdAt?.toISOString() ?? null, updatedAt: sequence.updatedAt?.toISOString() ?? null },
    links: { self: linkOf(sequence.name) },
  };
}

function sequenceReply(status: number, sequence: Sequence, headers: Record<string, string> = {}): Reply {
  return { status, body: { data: sequenceResource(sequence) }, headers: { ETag: etagOf(sequence.value), ...headers } };
}

function pageLink(size: number, after?: string): string {
  return `/v1/sequences?page%5Bsize%5D=${size}${after === undefined ? '' : `&page%5Bafter%5D=${after}`}`;
}

const nameParam: Record<string, Field> = {
  name: { schema: SequenceNameValue, code: 'invalid_sequence_name', hint: SequenceName.RULE, description: "The sequence's name." },
};

const example = (name: string, value: number) =>
  sequenceResource({ name, value, createdAt: new Date(EXAMPLE_TIME), updatedAt: new Date(EXAMPLE_TIME) });
const withETag = { ETag: ETagHeader };

export const SEQUENCE_OPERATIONS: readonly Operation[] = [
  {
    operationId: 'listSequences',
    method: 'get',
    path: '/v1/sequences',
    tag: 'sequences',
    summary: 'List your sequences',
    description: `Your sequences in name order, \`default\` among them, a page at a time: \`page[size]\` (${SequencePage.MIN_SIZE}–${SequencePage.MAX_SIZE}, default ${SequencePage.DEFAULT_SIZE}) and \`page[after]=<name>\`. \`links.next\` is there while more remain.`,
    auth: 'key',
    query: {
      'page[size]': { schema: PageSizeParameter, code: 'invalid_page_size', hint: `must be a whole number from ${SequencePage.MIN_SIZE} to ${SequencePage.MAX_SIZE}`, description: PageSizeParameter.description },
      'page[after]': { schema: SequenceNameValue, code: 'invalid_sequence_name', hint: SequenceName.RULE, description: 'List the sequences whose names sort after this one.' },
    },
    responses: {
      200: {
        description: 'A page of sequences.',
        schema: SequenceListDocument,
        example: { data: [example('default', 41), example('invoices', 7)], links: { self: pageLink(2), next: pageLink(2, 'invoices') } },
      },
    },
    errors: [],
    usesStorage: true,
    async handle({ userId, query }, { listSequences }) {
      const size = query['page[size]'] === undefined ? undefined : Number(query['page[size]']);
      const after = query['page[after]'] as string | undefined;
      const page = await listSequences.execute(userId, { after, size });
      const effective = size ?? SequencePage.DEFAULT_SIZE;
      const links = { self: pageLink(effective, after), ...(page.nextAfter === undefined ? {} : { next: pageLink(effective, page.nextAfter) }) };
      return { status: 200, body: { data: page.sequences.map(sequenceResource), links } };
    },
  },
  {
    operationId: 'createSequence',
    method: 'post',
    path: '/v1/sequences',
    tag: 'sequences',
    summary: 'Create a sequence',
    description:
      'Creates a sequence of yours, at `value` (0 when absent): its first `next` returns value + 1. As flat JSON or a form (`name`, `value`), ' +
      'or as a JSON:API document whose `data.id` is the name.',
    auth: 'key',
    body: {
      resource: 'sequences',
      idField: 'name',
      required: true,
      fields: {
        name: { schema: SequenceNameValue, code: 'invalid_sequence_name', required: true, hint: SequenceName.RULE },
        value: { schema: CounterValueInput, code: 'invalid_counter_value', hint: VALUE_HINT },
      },
      example: { name: 'orders', value: 0 },
    },
    responses: {
      201: {
        description: 'Created; Location names it.',
        schema: SequenceDocument,
        example: { data: example('orders', 0) },
        headers: { Location: { description: 'The new sequence.', schema: Type.String() }, ...withETag },
      },
    },
    errors: ['sequence_exists', 'too_many_sequences'],
    usesStorage: true,
    async handle({ userId, body }, { createSequence }) {
      const value = body.value === undefined ? undefined : String(body.value);
      const sequence = await createSequence.execute(userId, { name: body.name, value });
      return sequenceReply(201, sequence, { Location: linkOf(sequence.name) });
    },
  },
  {
    operationId: 'getSequence',
    method: 'get',
    path: '/v1/sequences/{name}',
    tag: 'sequences',
    summary: 'Read a sequence',
    description: "Returns the sequence and, as its ETag, its value. Another account's sequence is not found, as an unknown one.",
    auth: 'key',
    params: nameParam,
    responses: { 200: { description: 'The sequence.', schema: SequenceDocument, example: { data: example('orders', 42) }, headers: withETag } },
    errors: ['sequence_not_found'],
    usesStorage: true,
    async handle({ userId, params }, { currentInteger }) {
      return sequenceReply(200, await currentInteger.execute(userId, params.name));
    },
  },
  {
    operationId: 'updateSequence',
    method: 'patch',
    path: '/v1/sequences/{name}',
    tag: 'sequences',
    summary: 'Set the value of a sequence',
    description: 'Sets the value; the next `next` returns it plus one. With If-Match, only if the value is still the one named: compared and written in one step.',
    auth: 'key',
    params: nameParam,
    headers: ifMatchHeader,
    body: {
      resource: 'sequences',
      required: true,
      fields: { value: { schema: CounterValueInput, code: 'invalid_counter_value', required: true, hint: VALUE_HINT } },
      example: { value: 1000 },
    },
    responses: { 200: { description: 'The value now set.', schema: SequenceDocument, example: { data: example('orders', 1000) }, headers: withETag } },
    errors: ['sequence_not_found', 'precondition_failed'],
    outcome: 'reset',
    usesStorage: true,
    async handle({ userId, params, headers, body }, { resetInteger }) {
      const expected = expectedValues(headers['If-Match']);
      const options = { sequence: params.name, expected, valueField: 'value' };
      return sequenceReply(200, await withConditions(() => resetInteger.execute(userId, String(body.value), options)));
    },
  },
  {
    operationId: 'deleteSequence',
    method: 'delete',
    path: '/v1/sequences/{name}',
    tag: 'sequences',
    summary: 'Delete a sequence',
    description: 'Deletes the sequence; its name may be created again, starting afresh. `default` cannot be deleted (reset it instead).',
    auth: 'key',
    params: nameParam,
    responses: { 204: { description: 'Deleted.' } },
    errors: ['sequence_not_found', 'default_sequence'],
    usesStorage: true,
    async handle({ userId, params }, { deleteSequence }) {
      await deleteSequence.execute(userId, params.name);
      return { status: 204, body: undefined };
    },
  },
  {
    operationId: 'nextInSequence',
    method: 'post',
    path: '/v1/sequences/{name}/next',
    tag: 'sequences',
    summary: 'Hand out the next integer, or a range, of a sequence',
    description:
      'Hands out the next integer, or with `count` (in the query or the body) a contiguous range of that many: all or nothing, ' +
      'refused whole if it would pass 2^53-1. `meta.issued` names the range; the document\'s value is its last integer. ' +
      'With Idempotency-Key a retry returns the same range again instead of a new one. Only POST: a GET answers 405.',
    auth: 'key',
    params: nameParam,
    query: countQuery,
    headers: idempotencyHeader,
    body: { resource: 'sequences', required: false, fields: countBody, example: { count: 10 } },
    responses: {
      200: {
        description: 'The range handed out (or, replayed, handed out before).',
        schema: SequenceIssueDocument,
        example: { data: example('orders', 52), meta: { issued: { first: 43, last: 52, count: 10 } } },
        headers: replayedHeader,
      },
    },
    errors: ['sequence_not_found', 'sequence_exhausted', ...IDEMPOTENCY_ERRORS],
    usesStorage: true,
    async handle(request, { nextInteger }) {
      const { userId, params, headers } = request;
      const next = { sequence: params.name, count: countOf(request), idempotencyKey: headers['Idempotency-Key'] as string | undefined };
      const issue = await withConditions(() => nextInteger.execute(userId, next));
      return issueReply(issue, sequenceResource(issue.sequence));
    },
  },
];
