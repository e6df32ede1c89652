// Generates the monthly reports (slots and windows: bot/reports/periods.ts). Stable id: report-monthly.
import { reportJob } from '../bot/reports/jobs.ts';

const job = reportJob('monthly');
export default job;
