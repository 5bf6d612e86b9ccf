/**
 * Peer: the counter a developer writes in twenty lines, Koa and Redis: the SHA-256 of the bearer
 * key names a Redis key, INCR hands out the next value, one round trip. Redis runs with
 * `appendfsync always` (started by the bench), so a value is on disk before its reply, as with
 * our SQLite store. No logs, no metrics, no registration: the key is not checked against anything.
 */
import Router from '@koa/router';
import Redis from 'ioredis';
import Koa from 'koa';
import { createHash } from 'node:crypto';

const redis = new Redis({ port: Number(process.env.REDIS_PORT), host: '127.0.0.1' });
const router = new Router();
router.get('/v1/next', async (ctx) => {
  const key = (ctx.get('authorization') || '').slice('Bearer '.length);
  if (!key) {
    ctx.status = 401;
    return;
  }
  const value = await redis.incr(`counter:${createHash('sha256').update(key).digest('hex')}`);
  ctx.type = 'application/vnd.api+json';
  ctx.body = { data: { type: 'counters', id: 'default', attributes: { value } } };
});
const app = new Koa();
app.use(router.routes());
app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => {
  redis.disconnect();
  process.exit(0);
});
