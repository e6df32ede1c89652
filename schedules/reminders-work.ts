// Reminders for staff work groups below the coverage target: workdays (Mon–Fri, default 16:00, env
// REMIND_WORK_AT), for posts delivered before today. Logic: bot/ledger/reminders.ts.
import { reminderJob } from '../bot/ledger/reminder-job.ts';

export default reminderJob('work');
