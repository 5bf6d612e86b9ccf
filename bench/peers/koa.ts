/** Peer: bare Koa with @koa/router answering one route with a constant JSON body, nothing else. */
import Router from '@koa/router';
import Koa from 'koa';

const router = new Router();
router.get('/v1/next', (ctx) => {
  ctx.body = { data: { type: 'counters', id: 'default', attributes: { value: 1 } } };
});
const app = new Koa();
app.use(router.routes());
app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
