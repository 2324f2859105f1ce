import { serviceFixture, caller } from './lib/service-fixture';
(async () => {
  const fx = serviceFixture();
  const A = { default: 'pass', sets: { s: ['10.1.0.0/16'] }, rules: [{ id: 'n', dst: '192.0.2.0/24', action: 'drop' }, { id: 'm', src: '@s', action: 'drop' }, { id: 'p', proto: 'tcp', dport: 80, action: 'pass' }] };
  const B = { default: 'drop', sets: { s: [] }, rules: [A.rules[2], A.rules[0], A.rules[1]] };
  for (let i = 0; i < 10; i++) { const t = Date.now(); await fx.service.replaceRuleset(i % 2 ? A : B, caller); console.log(Date.now() - t, 'ms'); }
  fx.close();
})();
