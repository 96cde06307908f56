export default () => {
  function* records() { yield { email: 'ada@example.com' }; yield [{ email: 'bob@example.com' }, 7]; yield { email: 'carl@example.com' }; }
  return { segments: [{ name: 'Segment', profiles: { [Symbol.iterator]: records } }] };
};
