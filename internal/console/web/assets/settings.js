import { h, replace } from './dom.js';

export async function settings(ctx) {
  ctx.title('settings');
  replace(ctx.main, h('h1', null, 'settings'));
}
