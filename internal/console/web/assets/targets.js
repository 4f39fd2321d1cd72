import { h, replace } from './dom.js';

export async function targets(ctx) {
  ctx.title('targets');
  replace(ctx.main, h('h1', null, 'targets'));
}
