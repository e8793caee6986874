/**
 * What the editor's send buttons need from delivery: a narrow interface, so the web does not
 * depend on how delivery works. `ssnews serve` passes one in when delivery is set up; without
 * it the buttons say so and change nothing. Each returns a message for the editor.
 */
export interface SendActions {
  /** Who would get the issue now: how many subscribers, and how many per sector id. */
  recipients(week: string): Promise<{ count: number; bySector: Record<string, number> }>;
  /** Sends the issue to one address (the signed-in editor), marked as a test. */
  sendTest(week: string, to: string): Promise<string>;
  /** Sends the issue to every subscriber (refused by delivery while a blocking check stands). */
  send(week: string): Promise<string>;
}

export const NO_DELIVERY = 'Delivery is not set up yet: nothing was sent.';
