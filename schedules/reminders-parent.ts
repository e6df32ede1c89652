// Reminders for class parent groups below the coverage target: every evening (default 19:30, env
// REMIND_PARENT_AT), for posts delivered before today. Logic: bot/ledger/reminders.ts.
import { reminderJob } from '../bot/ledger/reminder-job.ts';

export default reminderJob('parent');
