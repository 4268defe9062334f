export default function Home() {
  return (
    <main>
      <h1>Authkit</h1>
      <p>The web client is on its way.</p>
    </main>
  );
}
