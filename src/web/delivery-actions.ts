import type { Delivery } from '../delivery/service.js';
import type { SendActions } from './send-actions.js';

/**
 * The editor's send buttons over the delivery service (the same calls as `ssnews digest send`),
 * each answered with a sentence for the editor. `canSendTest` is false without an SMTP server.
 */
export function deliveryActions(delivery: Delivery, o: { canSendTest: boolean }): SendActions {
  return {
    recipients: () => delivery.recipients(),
    async sendTest(week, to) {
      if (!o.canSendTest) return 'No test was sent: SMTP_URL is not set on the server.';
      const sent = await delivery.sendTest(week, to);
      return `A test copy of "${sent.subject}" went to ${to} (the mail server said: ${sent.reply}).`;
    },
    async send(week) {
      const s = await delivery.send(week);
      if (s.alreadySent) return `${s.week} was sent already: nothing was queued.`;
      return `${s.resumed ? 'Resumed' : 'Started'} sending ${s.week}: ${s.queued} of ${s.total} recipients queued. The send workers deliver them.`;
    },
  };
}
