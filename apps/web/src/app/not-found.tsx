import Link from "next/link";

export default function NotFound() {
  return (
    <div className="page">
      <div className="empty-state">
        <h1>Page not found</h1>
        <p className="muted">The page you&apos;re looking for doesn&apos;t exist.</p>
        <Link href="/" className="btn btn-secondary">
          Go to your account
        </Link>
      </div>
    </div>
  );
}
