// Generates the annual reports (slots and windows: bot/reports/periods.ts). Stable id: report-annual.
import { reportJob } from '../bot/reports/jobs.ts';

const job = reportJob('annual');
export default job;
