import { engineCostBench } from './engine-cost';
engineCostBench({ executions: 10, rounds: 2, mapItems: 20 }).catch((e) => { console.error(e); process.exit(1); });
