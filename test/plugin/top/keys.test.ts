import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INITIAL_VIEW, onScreen, reduceKey, type Effect, type Key, type Screen, type ViewState } from '../../../plugin/top/keys.js';

/** The view state with some fields changed. */
const view = (v: Partial<ViewState> = {}): ViewState => ({ ...INITIAL_VIEW, ...v });
/** A typed character. */
const ch = (input: string): Key => ({ input });
/** A special key (arrows, Enter, Esc, ...). */
const special = (name: keyof Omit<Key, 'input'>): Key => ({ input: '', [name]: true });

/** Twelve rows of which five fit on screen. */
const SCREEN: Screen = { ids: Array.from({ length: 12 }, (_, i) => `ml/r-${i}`), visible: 5 };

interface Case {
  readonly name: string;
  readonly from: ViewState;
  readonly key: Key;
  readonly want: ViewState;
  readonly effect?: Effect;
  readonly screen?: Screen;
}

// Every key of the live view, in each mode it means something in (table, help, filter typing, detail).
const CASES: readonly Case[] = [
  // The table.
  { name: 'q quits', from: view(), key: ch('q'), want: view(), effect: 'quit' },
  { name: '? opens help', from: view(), key: ch('?'), want: view({ help: true }) },
  { name: 's: next sort column', from: view(), key: ch('s'), want: view({ sortKey: 'kv' }) },
  { name: 's after the last column: back to name', from: view({ sortKey: 'ttft' }), key: ch('s'), want: view({ sortKey: 'name' }) },
  { name: 'S: previous sort column, round from name', from: view(), key: ch('S'), want: view({ sortKey: 'ttft' }) },
  { name: 'r reverses', from: view(), key: ch('r'), want: view({ reversed: true }) },
  { name: 'r again restores', from: view({ reversed: true }), key: ch('r'), want: view() },
  { name: '/ starts typing from the kept filter, closing help', from: view({ filter: 'h100', help: true }), key: ch('/'), want: view({ filter: 'h100', draft: 'h100' }) },
  { name: '↓ selects the next row', from: view(), key: special('downArrow'), want: view({ selected: 1 }) },
  { name: 'j selects the next row', from: view(), key: ch('j'), want: view({ selected: 1 }) },
  { name: '↓ past the screen scrolls one row', from: view({ selected: 4 }), key: special('downArrow'), want: view({ selected: 5, offset: 1 }) },
  { name: '↓ on the last row stays', from: view({ selected: 11, offset: 7 }), key: special('downArrow'), want: view({ selected: 11, offset: 7 }) },
  { name: '↑ selects the previous row', from: view({ selected: 3 }), key: special('upArrow'), want: view({ selected: 2 }) },
  { name: 'k above the screen scrolls back', from: view({ selected: 5, offset: 5 }), key: ch('k'), want: view({ selected: 4, offset: 4 }) },
  { name: '↑ on the first row stays', from: view(), key: special('upArrow'), want: view() },
  { name: 'PgDn moves a screenful', from: view({ selected: 1 }), key: special('pageDown'), want: view({ selected: 6, offset: 2 }) },
  { name: 'PgUp moves a screenful back, not past the first', from: view({ selected: 3, offset: 1 }), key: special('pageUp'), want: view({ selected: 0, offset: 0 }) },
  { name: 'End selects the last row', from: view(), key: special('end'), want: view({ selected: 11, offset: 7 }) },
  { name: 'G selects the last row', from: view(), key: ch('G'), want: view({ selected: 11, offset: 7 }) },
  { name: 'Home selects the first row', from: view({ selected: 9, offset: 7 }), key: special('home'), want: view() },
  { name: 'g selects the first row', from: view({ selected: 9, offset: 7 }), key: ch('g'), want: view() },
  { name: 'Enter opens the selected replica', from: view({ selected: 2 }), key: special('return'), want: view({ selected: 2, detail: 'ml/r-2' }) },
  {
    name: 'Enter with the selection past the rows left (a refresh removed some) opens the last',
    from: view({ selected: 9 }), key: special('return'), screen: { ids: ['ml/a', 'ml/b'], visible: 5 }, want: view({ selected: 1, detail: 'ml/b' }),
  },
  { name: 'Enter with no rows does nothing', from: view(), key: special('return'), screen: { ids: [], visible: 5 }, want: view() },
  { name: 'Esc in the table does nothing', from: view({ selected: 2 }), key: special('escape'), want: view({ selected: 2 }) },
  { name: 'an unknown key does nothing', from: view(), key: ch('x'), want: view() },
  { name: 'ctrl+s is not s', from: view(), key: { input: 's', ctrl: true }, want: view() },
  // Help.
  { name: '? closes help', from: view({ help: true }), key: ch('?'), want: view() },
  { name: 'Esc closes help', from: view({ help: true }), key: special('escape'), want: view() },
  { name: 'q in help closes it, does not quit', from: view({ help: true }), key: ch('q'), want: view() },
  { name: 's in help still sorts', from: view({ help: true }), key: ch('s'), want: view({ help: true, sortKey: 'kv' }) },
  // Typing a filter.
  { name: 'text goes into the filter and the selection goes to the top', from: view({ draft: 'h1', selected: 4, offset: 2 }), key: ch('0'), want: view({ draft: 'h10' }) },
  { name: 'q is text while typing', from: view({ draft: '' }), key: ch('q'), want: view({ draft: 'q' }) },
  { name: 'Enter keeps the filter', from: view({ draft: 'qw' }), key: special('return'), want: view({ filter: 'qw' }) },
  { name: 'Esc clears the filter', from: view({ filter: 'old', draft: 'qw' }), key: special('escape'), want: view() },
  { name: 'Backspace deletes a character', from: view({ draft: 'qw' }), key: special('backspace'), want: view({ draft: 'q' }) },
  { name: 'Delete (what many terminals send for Backspace) deletes too', from: view({ draft: 'qw' }), key: special('delete'), want: view({ draft: 'q' }) },
  { name: 'arrows while typing change nothing', from: view({ draft: 'qw' }), key: special('downArrow'), want: view({ draft: 'qw' }) },
  // A replica's detail.
  { name: 'Esc goes back from a detail, the selection kept', from: view({ selected: 2, detail: 'ml/r-2' }), key: special('escape'), want: view({ selected: 2 }) },
  { name: 'q goes back from a detail, does not quit', from: view({ detail: 'ml/r-0' }), key: ch('q'), want: view() },
  { name: '← goes back from a detail', from: view({ detail: 'ml/r-0' }), key: special('leftArrow'), want: view() },
  { name: 'Backspace goes back from a detail', from: view({ detail: 'ml/r-0' }), key: special('backspace'), want: view() },
  { name: '? in a detail shows help', from: view({ detail: 'ml/r-0' }), key: ch('?'), want: view({ detail: 'ml/r-0', help: true }) },
  { name: 'Esc in a detail with help open goes back to the table', from: view({ detail: 'ml/r-0', help: true }), key: special('escape'), want: view() },
  { name: 's in a detail does nothing', from: view({ detail: 'ml/r-0' }), key: ch('s'), want: view({ detail: 'ml/r-0' }) },
  { name: '↓ in a detail does nothing', from: view({ detail: 'ml/r-0' }), key: special('downArrow'), want: view({ detail: 'ml/r-0' }) },
];

describe('reduceKey: every key of the live view', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const got = reduceKey(c.from, c.key, c.screen ?? SCREEN);
      assert.deepEqual(got.state, c.want);
      assert.equal(got.effect, c.effect);
    });
  }

  it('a chunk of keys applies one after the other (sss → tokens/s; /q then Enter filters by q)', () => {
    const run = (keys: readonly Key[]): ViewState => keys.reduce((s, k) => reduceKey(s, k, SCREEN).state, INITIAL_VIEW);
    assert.equal(run([ch('s'), ch('s'), ch('s')]).sortKey, 'tokens');
    assert.deepEqual(run([ch('/'), ch('q'), special('return')]), view({ filter: 'q' }));
    assert.deepEqual(run([ch('j'), ch('j'), special('return'), special('escape'), ch('j')]), view({ selected: 3 }));
  });
});

describe('onScreen: the state as drawn after a refresh changed the rows', () => {
  const cases: { name: string; from: ViewState; screen: Screen; want: ViewState }[] = [
    { name: 'unchanged when it fits', from: view({ selected: 6, offset: 3 }), screen: SCREEN, want: view({ selected: 6, offset: 3 }) },
    { name: 'rows gone: the selection moves to the last, the offset with it', from: view({ selected: 11, offset: 7 }), screen: { ids: ['a', 'b', 'c'], visible: 5 }, want: view({ selected: 2, offset: 0 }) },
    { name: 'a taller screen scrolls back to show more rows', from: view({ selected: 11, offset: 7 }), screen: { ids: SCREEN.ids, visible: 10 }, want: view({ selected: 11, offset: 2 }) },
    { name: 'no rows: selection 0', from: view({ selected: 4 }), screen: { ids: [], visible: 5 }, want: view() },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(onScreen(c.from, c.screen), c.want));
});
