/**
 * The `play` destination: answer, play one prompt of the tenant (its own upload, the
 * operator's set, the built-in set), hang up.
 */
import type { CallApp } from '../apps/app-channel.js';

export function playPromptApp(prompt: string): CallApp {
  return {
    async run(ch) {
      if (!(await ch.answer())) return;
      const files = ch.prompts([prompt]);
      if (files.length > 0) await ch.play(files);
      ch.hangup(`played ${prompt}`);
    },
  };
}
