import type { Metadata } from "next";

export const metadata: Metadata = { title: "Confirm your email" };

export default function Layout({ children }: { children: React.ReactNode }) {
  return children;
}
