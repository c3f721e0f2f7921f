import { describe, expect, it } from 'vitest';
import { formatNameList, parseNameList } from '../../../src/util/name-list.js';

describe('parseNameList (--databases, the databases input)', () => {
  it.each([
    ['core,keycloak', ['core', 'keycloak']],
    [' core , keycloak ,', ['core', 'keycloak']],
    ['a\\,b,c', ['a,b', 'c']],
    ['back\\\\slash', ['back\\slash']],
    [`it's "Ops" | ü`, [`it's "Ops" | ü`]],
    ['\\ padded\\ ', [' padded ']],
    ['in ner', ['in ner']],
  ])('%j → %j', (text, names) => {
    expect(parseNameList(text, '--databases')).toEqual(names);
  });

  it('splits on newlines too where asked (the action input), and a backslash keeps one', () => {
    expect(parseNameList('core\nkeycloak', 'Input "databases"', ',\n')).toEqual(['core', 'keycloak']);
    expect(parseNameList('new\\\nline,x', 'Input "databases"', ',\n')).toEqual(['new\nline', 'x']);
  });

  it('refuses a lone trailing backslash, naming the flag', () => {
    expect(() => parseNameList('core\\', '--databases')).toThrow(/--databases ends with a lone backslash/);
  });

  it('formatNameList writes names that parseNameList reads back unchanged (hints that show --databases)', () => {
    const names = ['core', 'a,b', 'back\\slash', ' padded ', 'in ner', `it's "Ops" | ü`, 'tail\\ '];
    expect(parseNameList(formatNameList(names), '--databases')).toEqual(names);
    expect(formatNameList(['core', 'a,b'])).toBe('core,a\\,b');
  });
});
