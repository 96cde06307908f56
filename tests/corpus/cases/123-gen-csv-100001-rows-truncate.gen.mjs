export default () => {
  const lines = ['id,email'];
  for (let i = 0; i < 100_001; i += 1) lines.push(`${i},user${i}@example.com`);
  const csv = `${lines.join('\n')}\n`;
  return { job: { overCap: 'truncate', lists: 'none' }, segments: [{ name: 'Segment', profiles: { csv } }] };
};
