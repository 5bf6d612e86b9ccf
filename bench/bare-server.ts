/** The baseline: Koa answering one route with a constant JSON body, nothing else. */
import Koa from 'koa';
import Router from '@koa/router';

const router = new Router();
router.get('/constant', (ctx) => {
  ctx.body = { data: { type: 'counters', id: 'default', attributes: { value: 1 } } };
});
const app = new Koa();
app.use(router.routes());
app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
