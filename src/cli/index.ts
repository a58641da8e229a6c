import { main } from './main';
import { processIO } from './io';

main(process.argv.slice(2), processIO()).then((code) => {
  process.exitCode = code;
});
