// Running a benchmark helper as its own process: from dist/ as plain JavaScript, from the source
// tree through tsx, whichever this file itself is.

import path from 'node:path';

/** argv for `node` running bench/<rel> (given without extension). */
export function helperArgv(rel: string): string[] {
  const fromSource = __filename.endsWith('.ts');
  const file = path.join(__dirname, '..', `${rel}${fromSource ? '.ts' : '.js'}`);
  return fromSource ? [process.execPath, '--import', 'tsx', file] : [process.execPath, file];
}
