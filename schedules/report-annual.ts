// Generates the annual reports (see bot/reports/periods.ts for the slot and window). Stable id: report-annual.
import { reportJob } from '../bot/reports/jobs.ts';

const job = reportJob('annual');
export const { id, cron, timezone, run, catchUp } = job;
export default job;
