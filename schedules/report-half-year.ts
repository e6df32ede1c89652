// Generates the half-year reports (slots and windows: bot/reports/periods.ts). Stable id: report-half-year.
import { reportJob } from '../bot/reports/jobs.ts';

const job = reportJob('half_year');
export default job;
