import { h, replace } from './dom.js';

export async function reports(ctx) {
  ctx.title('reports');
  replace(ctx.main, h('h1', null, 'reports'));
}
