export default () => {
  const text = '\ufeffemail,first_name\r\n"ada@example.com","Ad""a, \r\nL"\r\nbob@example.com,Bøb\r\n';
  const bytes = new TextEncoder().encode(text);
  const chunks = [...bytes].map((b) => Uint8Array.of(b));
  return { segments: [{ name: 'Segment', profiles: { csv: chunks } }] };
};
