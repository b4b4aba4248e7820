import { REACTIONS, type Message, type ReactionEmoji, type ResultOf } from '@tidings/protocol';
import { useEffect, useState } from 'preact/hooks';
import type { ChatSession } from '../app/session.js';
import { reactionChips, whoText } from '../state/chat.js';

type Who = ResultOf<'reaction.who'>;

/**
 * A message's reactions: a chip per emoji it has, with its count (yours highlighted; click to give
 * or take yours back; its tooltip says who, asked for with reaction.who when the pointer or focus
 * first reaches the chips, and again after the counts change), and a small picker of the set.
 * `act` runs a request and shows its failure by the message (MessageList's).
 */
export function Reactions({
  session,
  cref,
  m,
  act,
  picking,
  onPicking,
}: {
  session: ChatSession;
  cref: string;
  m: Message;
  act: (s: number, run: () => Promise<void>) => Promise<boolean>;
  /** Whether the picker is open (the message's React action opens it too). */
  picking: boolean;
  onPicking: (open: boolean) => void;
}) {
  const setPicking = onPicking;
  // who reacted, and the counts it was asked for at (asked again when they differ)
  const [who, setWho] = useState<{ at: string; r: Who } | null>(null);
  const chips = reactionChips(m);
  const counts = JSON.stringify(m.rx ?? {});
  const offline = !session.online;

  // the pointer or focus is on the chips: who reacted is asked for then, and again when the counts change meanwhile
  const [near, setNear] = useState(false);
  useEffect(() => {
    if (!(near || picking) || chips.length === 0 || offline || who?.at === counts) return;
    session.whoReacted(cref, m.s).then(
      (r) => setWho({ at: counts, r }),
      () => undefined, // the tooltip shows the count alone
    );
  }, [near, picking, counts, offline]);
  // With the picker open (the React action: a tap, a long press or a key), who reacted is said in
  // words too — a tooltip needs a pointer.
  const said = picking && who?.at === counts ? chips.map((c) => whoText(c.e, c.n, who.r.who[c.e], session.username)).join(' · ') : '';
  const toggle = (e: ReactionEmoji, on: boolean) => {
    setPicking(false);
    void act(m.s, () => session.react(cref, m.s, e, on));
  };

  return (
    <span
      class="reactions"
      onPointerEnter={() => setNear(true)}
      onPointerLeave={() => setNear(false)}
      onFocusCapture={() => setNear(true)}
      onBlurCapture={() => setNear(false)}
    >
      {chips.map((c) => (
        <button
          key={c.e}
          type="button"
          class={`chip ${c.mine ? 'mine' : ''}`}
          tabIndex={-1}
          aria-pressed={c.mine}
          aria-label={`${c.e} ${c.n}${c.mine ? ', yours: take it back' : ''}`}
          title={whoText(c.e, c.n, who?.at === counts ? who.r.who[c.e] : undefined, session.username)}
          disabled={offline}
          onClick={() => toggle(c.e, !c.mine)}
        >
          {c.e}
          <span class="count">{c.n}</span>
        </button>
      ))}
      <button
        type="button"
        class="chip add"
        tabIndex={-1}
        aria-label="Add a reaction"
        aria-expanded={picking}
        disabled={offline}
        onClick={() => setPicking(!picking)}
      >
        +☺
      </button>
      {picking && (
        <span class="picker" role="group" aria-label="Reactions">
          {REACTIONS.map((e) => {
            const mine = m.my?.includes(e) === true;
            return (
              <button
                key={e}
                type="button"
                class={mine ? 'mine' : ''}
                tabIndex={-1}
                aria-pressed={mine}
                aria-label={`React ${e}`}
                onClick={() => toggle(e, !mine)}
              >
                {e}
              </button>
            );
          })}
        </span>
      )}
      {said && (
        <span class="who" role="status">
          {said}
        </span>
      )}
    </span>
  );
}
