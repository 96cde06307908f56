export default () => {
  const profiles = { csv: { [Symbol.iterator]() { let n = 0; return { next() { if (n++ === 0) return { done: false, value: 'email\nada@example.com\n' }; throw new Error('disk on fire'); } }; } } };
  return { segments: [{ name: 'Segment', profiles }] };
};
