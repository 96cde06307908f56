export default () => {
  const profiles = [
    { email: 'ada@example.com', orders: NaN, first_name: undefined },
    { email: 'bob@example.com', orders: Infinity, last_name: Symbol('x'), company: () => 1 },
    { email: new String('carl@example.com'), first_name: new String('Carl') },
    { email: 'dan@example.com', company: new Map([['a', 1]]), first_name: new Date(0) },
    new Date(0),
    () => ({ email: 'fn@example.com' }),
    undefined,
    Symbol('row'),
  ];
  return { segments: [{ name: 'Segment', profiles }] };
};
