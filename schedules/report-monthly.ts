// Generates the monthly reports (see bot/reports/periods.ts for the slot and window). Stable id: report-monthly.
import { reportJob } from '../bot/reports/jobs.ts';

const job = reportJob('monthly');
export const { id, cron, timezone, run, catchUp } = job;
export default job;
