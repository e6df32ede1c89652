// Generates the half-year reports (see bot/reports/periods.ts for the slot and window). Stable id: report-half-year.
import { reportJob } from '../bot/reports/jobs.ts';

const job = reportJob('half_year');
export const { id, cron, timezone, run, catchUp } = job;
export default job;
